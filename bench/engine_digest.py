"""One digest of the engine's answers for many drawn intakes, to compare across a refactor.

    python bench/engine_digest.py [--intakes 9000]

Run it before and after a change to the engine: the same digest means every drawn intake
screened and planned to the same JSON, byte for byte. The intakes are those of
bench/engine.py, with a doctor's approval, pregnancy weeks, children with and without a
guardian's consent, several local findings and missing STarT Back answers mixed in, so the
rules those inputs reach are compared too. It prints the digest and how many intakes were
refused or got a plan; it asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from datetime import date, timedelta
from typing import Any

from engine import random_intake

from acuback.clinical.base import InputError
from acuback.clinical.course_plan import course_plan
from acuback.clinical.intake import read_intake
from acuback.clinical.prepared import prepare
from acuback.clinical.screening import screen
from acuback.knowledge.loader import KnowledgeBase, knowledge_base

START = date(2026, 1, 5)


def varied(n: int, rng: random.Random, kb: KnowledgeBase) -> dict[str, Any]:
    raw = random_intake(rng, kb)
    variant = n % 6
    if variant == 1:
        raw["physician_clearance"] = "2025-12-01"
    elif variant == 2 and raw["pregnant"]:
        raw["pregnancy_weeks"] = rng.randint(0, 40)
    elif variant in (3, 4):
        raw.update(age=rng.randint(5, 15), sex="male", pregnant=False)
        raw["pain_duration_weeks"] = min(raw["pain_duration_weeks"], 200)
        if variant == 4:
            raw["guardian_consent"] = "2025-12-02"
    elif variant == 5:
        local = [c for c, f in kb.findings.items() if f.kind in ("skin", "limb")]
        raw["local_findings"] = [
            {
                "finding": rng.choice(local),
                "region": rng.choice(list(kb.regions)),
                "side": rng.choice(["left", "right", "both"]),
            }
            for _ in range(rng.randint(1, 3))
        ]
    if n % 7 == 0:
        del raw["startback"]
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intakes", type=int, default=9000)
    parser.add_argument(
        "--prepared",
        action="store_true",
        help="make the engine's indexes first, as a server worker does: the digest is the same",
    )
    args = parser.parse_args()
    kb = knowledge_base()
    if args.prepared:
        prepare(kb)
    rng = random.Random(7)
    digest = hashlib.sha256()
    refused = planned = 0
    for n in range(args.intakes):
        try:
            intake = read_intake(varied(n, rng, kb), kb, today=START)
        except InputError as exc:
            refused += 1
            digest.update(f"refused {exc}\n".encode())
            continue
        result = screen(intake, kb)
        plan = course_plan(intake, result, kb, START + timedelta(days=n % 3), today=START)
        planned += plan is not None
        digest.update(result.model_dump_json().encode())
        digest.update(plan.model_dump_json().encode() if plan else b"no plan")
    print(f"{args.intakes} intakes, {refused} refused, {planned} planned")
    print(f"digest {digest.hexdigest()}")


if __name__ == "__main__":
    main()
