"""How many intakes the clinical engine screens and plans per second, on one core.

Run with `make bench`. It measures; it asserts nothing. Intakes are drawn at random
(fixed seed) from the knowledge base's own codes, so every rule gets exercised. The
knowledge base is loaded and prepared first, as a server worker does when it starts;
the time that takes is printed apart and is not in the throughput. The same intakes are
run in five trials, each from the prepared store alone, and the median is reported.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import time
from datetime import date
from typing import Any

from acuback.clinical.course_plan import course_plan
from acuback.clinical.intake import read_intake
from acuback.clinical.prepared import prepare
from acuback.clinical.screening import screen
from acuback.knowledge.loader import KnowledgeBase, knowledge_base


def random_intake(rng: random.Random, kb: KnowledgeBase) -> dict[str, Any]:
    def some(codes: list[str], most: int) -> list[str]:
        return rng.sample(codes, rng.randint(0, min(most, len(codes))))

    findings = {
        kind: [c for c, f in kb.findings.items() if f.kind == kind]
        for kind in ("history", "state", "medication", "device", "skin", "limb")
    }
    age = rng.randint(18, 90)
    pregnant = age <= 45 and rng.random() < 0.1
    weeks = rng.randint(0, 300)
    return {
        "age": age,
        "sex": "female" if pregnant else rng.choice(["female", "male", "other", "unknown"]),
        "pregnant": pregnant,
        "pain_duration_weeks": weeks,
        "pain_sites": some(list(kb.pain_sites), 3),
        # Only conditions the duration allows (a spasm is acute), as read_intake demands.
        "conditions": [
            c for c in some(list(kb.conditions), 2) if (kb.conditions[c].max_weeks or 999) >= weeks
        ],
        "red_flags": some(list(kb.red_flags), 1) if rng.random() < 0.2 else [],
        "history": some(findings["history"] + findings["state"], 2),
        "medications": some(findings["medication"], 1),
        "devices": some(findings["device"], 1) if rng.random() < 0.1 else [],
        "local_findings": [
            {
                "finding": rng.choice(findings["skin"] + findings["limb"]),
                "region": rng.choice(list(kb.regions)),
                "side": rng.choice(["left", "right", "both"]),
            }
        ]
        if rng.random() < 0.1
        else [],
        "startback": {f"startback-{i}": rng.randint(0, 1) for i in range(1, 10)},
    }


def trial(kb: KnowledgeBase, count: int, seconds: float) -> tuple[int, int, float]:
    """One run over `count` drawn intakes (the same every trial) from a store holding only
    what was prepared: (intakes done, plans made, seconds taken)."""
    kb.index.derived.start_afresh()  # every trial meets each combination for the first time
    rng = random.Random(20261122)
    raw = [random_intake(rng, kb) for _ in range(count)]  # drawn afresh, not warm in memory
    start = date(2026, 1, 5)
    done = planned = 0
    began = time.perf_counter()
    for item in raw:
        intake = read_intake(item, kb, today=start)
        result = screen(intake, kb)
        if course_plan(intake, result, kb, start, today=start) is not None:
            planned += 1
        done += 1
        if time.perf_counter() - began > seconds:
            break
    return done, planned, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intakes", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=5, help="the median is reported")
    parser.add_argument("--seconds", type=float, default=5.0, help="stop a trial after this long")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as promised

    began = time.perf_counter()
    kb = knowledge_base()
    loaded = time.perf_counter() - began
    prepare(kb)  # as a server worker does when it starts (acuback.web.wsgi)
    prepared = time.perf_counter() - began - loaded
    gc.freeze()  # as the worker does then
    print(
        f"knowledge base loaded in {loaded * 1000:.0f} ms, the engine's indexes made in "
        f"{prepared * 1000:.0f} ms ({len(kb.index.derived)} parts)"
    )
    # The same intakes in each trial, each from the prepared store: one trial's figure moves
    # with whatever else the machine is doing, so the median of a few is reported.
    trials = [trial(kb, args.intakes, args.seconds) for _ in range(args.trials)]
    rates = sorted(done / elapsed for done, _, elapsed in trials)
    done, planned, elapsed = trials[0]
    rate = statistics.median(rates)
    print(f"intakes screened and planned: {done} per trial on one core, {len(trials)} trials")
    print(
        f"throughput: {rate:,.0f} intakes/s, the median (trials {rates[0]:,.0f} to "
        f"{rates[-1]:,.0f}; {planned} got a plan, {done - planned} were withheld by triage)"
    )
    print(f"mean latency: {1000 / rate:.3f} ms per intake")
    print(json.dumps({"intakes_per_second": rate}))


if __name__ == "__main__":
    main()
