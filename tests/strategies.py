"""Hypothesis strategies for plausible intakes and charts, drawn from the knowledge base."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from acuback.knowledge.loader import knowledge_base
from acuback.knowledge.schema import LOCAL_FINDING_KINDS, FindingKind

KB = knowledge_base()
FINDINGS = {
    kind: sorted(c for c, f in KB.findings.items() if f.kind == kind) for kind in FindingKind
}
LOCAL = sorted(c for c, f in KB.findings.items() if f.kind in LOCAL_FINDING_KINDS)
SIDES = ["left", "right", "both"]


@st.composite
def intakes(draw: st.DrawFn, clearance: str | None = "2026-01-02") -> dict[str, Any]:
    """Intakes that pass `read_intake`: ages, durations and conditions agree with each other."""
    age = draw(st.integers(5, 100))
    pregnant = 10 <= age <= 60 and draw(st.booleans())
    weeks = draw(st.integers(0, min(500, age * 52)))
    conditions = [
        c
        for c in draw(st.lists(st.sampled_from(sorted(KB.conditions)), unique=True, max_size=3))
        if (KB.conditions[c].max_weeks or 10_000) >= weeks
    ]
    history = FINDINGS[FindingKind.HISTORY] + FINDINGS[FindingKind.STATE]
    return {
        "age": age,
        "sex": "female" if pregnant else draw(st.sampled_from(["female", "male", "unknown"])),
        "pregnant": pregnant,
        "pregnancy_weeks": draw(st.integers(1, 40)) if pregnant else None,
        "pain_duration_weeks": weeks,
        "pain_sites": draw(st.lists(st.sampled_from(sorted(KB.pain_sites)), unique=True)),
        "conditions": conditions,
        "history": draw(st.lists(st.sampled_from(history), unique=True, max_size=4)),
        "medications": draw(
            st.lists(st.sampled_from(FINDINGS[FindingKind.MEDICATION]), unique=True, max_size=3)
        ),
        "devices": draw(st.lists(st.sampled_from(FINDINGS[FindingKind.DEVICE]), unique=True)),
        "local_findings": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "finding": st.sampled_from(LOCAL),
                        "region": st.sampled_from(sorted(KB.regions)),
                        "side": st.sampled_from(SIDES),
                    }
                ),
                max_size=3,
            )
        ),
        "driving_after_treatment": draw(st.booleans()),
        # Clearance and consent are what let 'doctor first' findings reach the planner.
        "physician_clearance": draw(st.sampled_from([None, clearance])),
        "guardian_consent": draw(st.sampled_from([None, clearance])),
    }


@st.composite
def charts(draw: st.DrawFn) -> dict[str, Any]:
    """Charts of any points on any side with any methods, acknowledged or not."""
    return {
        "points": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "code": st.sampled_from(sorted(KB.points)),
                        "side": st.sampled_from(["both", "left", "right", "midline"]),
                    }
                ),
                max_size=8,
            )
        ),
        "electrical": draw(st.booleans()),
        "moxibustion": draw(st.booleans()),
        "cupping": draw(st.booleans()),
        "tui_na": draw(st.booleans()),
        "ear_seeds": draw(st.booleans()),
    }
