"""The engine's knowledge-base indexes, made once when a process loads the knowledge base.

Screening and planning build every answer from parts; those that follow from the knowledge
base alone (a contraindication's exclusions, a finding's in a region, a condition's ranked
points) are made here, ahead, instead of on the first intakes that need them, and stay
when the engine's store starts afresh. Nothing here changes an answer: the parts are made
through the very look-ups an intake makes (tests/test_engine_indexes.py).
"""

from __future__ import annotations

from acuback.clinical import course_plan, screening
from acuback.knowledge.loader import KnowledgeBase


def prepare(kb: KnowledgeBase) -> None:
    """Make the indexes, once per knowledge base; later calls do nothing."""
    store = kb.index.derived
    if store.kept:
        return
    store.clear()  # so that only the prepared parts are kept for good
    store.preparing = True
    try:
        screening.prepare(kb)
        course_plan.prepare(kb)
    finally:
        store.preparing = False
    store.kept = len(store)
