"""Whether a session's chart obeys the patient's screening.

A chart records what was done (points with sides, stimulation, heat, cups, massage, ear
seeds). `check_chart` is the one rule every entry point calls before a session is saved
or closed: an excluded point, side, region or method is refused with its reason, and a
method allowed only under a restriction needs the practitioner's word that they applied
it. While screening holds treatment back, nothing that needles or heats may be charted.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from acuback.clinical import codes
from acuback.clinical.base import Code, Input, Result
from acuback.clinical.screening import Reason, Restriction, Screening
from acuback.knowledge.loader import KnowledgeBase

ChartSide = Literal["both", "left", "right", "midline"]
# Methods that pierce or heat the skin: what a hold on treatment stops.
HELD_METHODS = frozenset(
    {
        codes.MANUAL_ACUPUNCTURE,
        codes.ELECTROACUPUNCTURE,
        codes.AURICULAR_ACUPUNCTURE,
        codes.MOXIBUSTION,
        codes.CUPPING,
    }
)
# Where each method is charted on the session form, so a refusal lands beside its field.
METHOD_FIELDS = {
    codes.MANUAL_ACUPUNCTURE: "points",
    codes.AURICULAR_ACUPUNCTURE: "points",
    codes.ELECTROACUPUNCTURE: "electrical",
    codes.MOXIBUSTION: "moxibustion",
    codes.CUPPING: "cupping",
    codes.TUI_NA: "tui_na",
    codes.EAR_SEEDS: "ear_seeds",
}


class ChartedPoint(Input):
    code: Code
    side: ChartSide = "both"


class Chart(Input):
    """What one session did, in the terms the rules speak of."""

    points: tuple[ChartedPoint, ...] = ()
    electrical: bool = Field(default=False, strict=True)
    moxibustion: bool = Field(default=False, strict=True)
    cupping: bool = Field(default=False, strict=True)
    tui_na: bool = Field(default=False, strict=True)
    ear_seeds: bool = Field(default=False, strict=True)
    acknowledged: frozenset[str] = Field(
        default=frozenset(), description="Keys of the restrictions the practitioner applied"
    )

    def methods(self, kb: KnowledgeBase) -> set[str]:
        """The knowledge-base methods this chart used."""
        used = set()
        for point in self.points:
            in_ear = point.code in kb.points and kb.points[point.code].region == codes.EAR
            used.add(codes.AURICULAR_ACUPUNCTURE if in_ear else codes.MANUAL_ACUPUNCTURE)
        flags = {
            codes.ELECTROACUPUNCTURE: self.electrical,
            codes.MOXIBUSTION: self.moxibustion,
            codes.CUPPING: self.cupping,
            codes.TUI_NA: self.tui_na,
            codes.EAR_SEEDS: self.ear_seeds,
        }
        return used | {method for method, done in flags.items() if done}


class ChartProblem(Result):
    field: str
    message: str
    reason: Reason | None = None


class ChartCheck(Result):
    refused: tuple[ChartProblem, ...]
    to_acknowledge: tuple[Restriction, ...]
    applied: tuple[Restriction, ...]

    @property
    def ok(self) -> bool:
        return not self.refused and not self.to_acknowledge


def _why(reasons: tuple[Reason, ...]) -> str:
    return "; ".join(r.label for r in reasons)


def _point_problems(chart: Chart, screening: Screening, kb: KnowledgeBase) -> list[ChartProblem]:
    problems = []
    for charted in chart.points:
        point = kb.points.get(charted.code)
        if point is None:
            problems.append(
                ChartProblem(field="points", message=f"'{charted.code}' is not a known point")
            )
            continue
        name = point.who_code or point.pinyin
        if point.on_midline != (charted.side == "midline"):
            want = "midline" if point.on_midline else "left, right or both"
            problems.append(
                ChartProblem(
                    field="points", message=f"{name} is charted {want}, not {charted.side}"
                )
            )
            continue
        excluded = screening.excluded_point(charted.code)
        if excluded is not None and excluded.covers(charted.side):
            where = "" if excluded.side == "both" else f" on the {excluded.side}"
            problems.append(
                ChartProblem(
                    field="points",
                    message=f"{name} is excluded{where}: {_why(excluded.reasons)}",
                    reason=excluded.reasons[0],
                )
            )
    return problems


def check_chart(chart: Chart, screening: Screening, kb: KnowledgeBase) -> ChartCheck:
    """Every refusal and every restriction still to confirm, for one session's chart."""
    refused = _point_problems(chart, screening, kb)
    used = chart.methods(kb)
    for excluded in screening.excluded_methods:
        if excluded.code in used:
            refused.append(
                ChartProblem(
                    field=METHOD_FIELDS.get(excluded.code, "points"),
                    message=f"{excluded.label} is excluded: {_why(excluded.reasons)}",
                    reason=excluded.reasons[0],
                )
            )
    if not screening.plan_allowed:
        hold = screening.plan_blockers[0]
        for method in sorted(used & HELD_METHODS):
            refused.append(
                ChartProblem(
                    field=METHOD_FIELDS[method],
                    message=f"{kb.methods[method].label} is on hold: {hold.text}",
                    reason=hold,
                )
            )
    applied = tuple(r for r in screening.restricted_methods if r.method in used)
    return ChartCheck(
        refused=tuple(refused),
        to_acknowledge=tuple(r for r in applied if r.key not in chart.acknowledged),
        applied=applied,
    )
