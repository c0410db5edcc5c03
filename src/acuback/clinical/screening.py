"""Triage, contraindications and stratification of one intake.

Rules come from the knowledge base; this module only applies them. Every decision
carries a Reason with the knowledge-base code, its label and its sources, so a
practitioner can see why and check where the rule came from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from acuback.clinical import codes, scoring
from acuback.clinical.intake import Intake
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import ContraindicationClass, TriageLevel

# After the third month the traditional rule also keeps the upper abdomen free (WHO 1999).
PREGNANCY_UPPER_ABDOMEN_AFTER_WEEKS = 12


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    text: str
    sources: tuple[str, ...]
    level: TriageLevel | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "label": self.label,
            "text": self.text,
            "sources": list(self.sources),
        }
        if self.level is not None:
            data["level"] = self.level.value
        return data


@dataclass(frozen=True)
class Exclusion:
    """A point, region or method left out, with every reason it is."""

    code: str
    label: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "because": [r.code for r in self.reasons],
            "reasons": [r.to_json() for r in self.reasons],
        }


@dataclass(frozen=True)
class Restriction:
    method: str
    label: str
    rule: str
    reason: Reason

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "label": self.label,
            "rule": self.rule,
            "because": self.reason.code,
            "sources": list(self.reason.sources),
        }


@dataclass(frozen=True)
class StartBackResult:
    total: int
    psychosocial: int
    risk: str
    pathway: Reason

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "psychosocial": self.psychosocial,
            "risk": self.risk,
            "pathway": self.pathway.to_json(),
        }


@dataclass(frozen=True)
class Screening:
    level: TriageLevel
    action: Reason
    reasons: tuple[Reason, ...]
    contraindications: dict[ContraindicationClass, tuple[Reason, ...]]
    excluded_points: tuple[Exclusion, ...]
    excluded_regions: tuple[Exclusion, ...]
    excluded_methods: tuple[Exclusion, ...]
    restricted_methods: tuple[Restriction, ...]
    startback: StartBackResult | None
    plan_allowed: bool

    @property
    def excluded_point_codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.excluded_points)

    @property
    def excluded_method_codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.excluded_methods)

    def to_json(self) -> dict[str, Any]:
        return {
            "triage": {
                "level": self.level.value,
                "label": self.action.label,
                "action": self.action.text,
                "plan_allowed": self.plan_allowed,
                "reasons": [r.to_json() for r in self.reasons],
            },
            "contraindications": {
                cls.value: [r.to_json() for r in self.contraindications.get(cls, ())]
                for cls in ContraindicationClass
            },
            "excluded_points": [e.to_json() for e in self.excluded_points],
            "excluded_regions": [e.to_json() for e in self.excluded_regions],
            "excluded_methods": [e.to_json() for e in self.excluded_methods],
            "restricted_methods": [r.to_json() for r in self.restricted_methods],
            "startback": self.startback.to_json() if self.startback else None,
        }


def _red_flag_reasons(intake: Intake, kb: KnowledgeBase) -> list[Reason]:
    present = set(intake.red_flags)
    for flag in kb.red_flags.values():
        if flag.age_over is not None and intake.age > flag.age_over:
            present.add(flag.code)
        if flag.age_under is not None and intake.age < flag.age_under:
            present.add(flag.code)
    by_pathology: dict[str, list[str]] = defaultdict(list)
    for code in kb.red_flags:  # knowledge-base order keeps the output stable
        if code in present:
            by_pathology[kb.red_flags[code].pathology].append(code)

    reasons = []
    for pathology_code, flags in by_pathology.items():
        pathology = kb.pathologies[pathology_code]
        labels = "; ".join(kb.red_flags[f].label for f in flags)
        sources = tuple(dict.fromkeys([*pathology.sources, *kb.red_flags[flags[0]].sources]))
        level: TriageLevel | None = pathology.urgency
        action = pathology.action
        if pathology.trigger == "count":
            if not all(pre in flags for pre in pathology.prerequisites):
                continue
            counted = [f for f in flags if not kb.red_flags[f].prerequisite]
            assert pathology.min_count is not None
            if len(counted) >= pathology.min_count:
                pass
            elif pathology.borderline_count and len(counted) == pathology.borderline_count:
                level = TriageLevel.CAUTION
                action = pathology.borderline_action or action
            else:
                continue
            labels += f" ({len(counted)} of the counted features)"
        elif len(flags) == 1 and (alone := kb.red_flags[flags[0]].on_its_own) is not None:
            level = alone
            # The pathology's action is written for the full picture; one feature alone
            # asks for less, so say what it means and what to ask next.
            action = (
                f"{kb.red_flags[flags[0]].description.strip()} Ask about the other features"
                f" of {pathology.label[0].lower()}{pathology.label[1:]}."
            )
        reasons.append(
            Reason(
                code=pathology.code,
                label=pathology.label,
                text=f"{labels}. {action}",
                sources=sources,
                level=level,
            )
        )
    return reasons


def screen(intake: Intake, kb: KnowledgeBase) -> Screening:
    """Apply every red-flag, contraindication and stratification rule to an intake."""
    reasons = _red_flag_reasons(intake, kb)
    findings = intake.findings()

    by_class: dict[ContraindicationClass, list[Reason]] = defaultdict(list)
    points: dict[str, list[Reason]] = defaultdict(list)
    regions: dict[str, list[Reason]] = defaultdict(list)
    methods: dict[str, list[Reason]] = defaultdict(list)
    restrictions: list[Restriction] = []
    whole_treatment: list[Reason] = []

    for ci in kb.contraindications.values():
        triggers = [f for f in ci.triggered_by if f in findings]
        if not triggers:
            continue
        because = ", ".join(kb.findings[f].label for f in triggers)
        reason = Reason(
            code=ci.code,
            label=ci.label,
            text=f"{because}: {ci.description}",
            sources=tuple(ci.sources),
            level=ci.triage,
        )
        by_class[ci.contraindication_class].append(reason)
        reasons.append(reason)
        if ci.excludes.whole_treatment:
            whole_treatment.append(reason)
        for point_code in ci.excludes.points:
            points[point_code].append(reason)
        for region in ci.excludes.regions:
            regions[region].append(reason)
        for method in ci.excludes.methods:
            methods[method].append(reason)
        for rm in ci.excludes.restricted_methods:
            label = kb.methods[rm.method].label
            restrictions.append(Restriction(rm.method, label, rm.rule, reason))

    # Skin problems exclude needling where they are, wherever that is on the body.
    for skin in intake.skin_problems:
        finding = kb.findings[skin.finding]
        regions[skin.region].append(
            Reason(
                code=skin.finding,
                label=finding.label,
                text=f"{finding.label} in this region: no needles or heat over it.",
                sources=tuple(finding.sources),
            )
        )

    if intake.pregnant and (intake.pregnancy_weeks or 0) > PREGNANCY_UPPER_ABDOMEN_AFTER_WEEKS:
        regions[codes.UPPER_ABDOMEN].append(
            Reason(
                code=codes.PREGNANT,
                label=kb.findings[codes.PREGNANT].label,
                text="After the third month the traditional rule adds the upper abdomen.",
                sources=(codes.WHO_1999_SAFETY,),
            )
        )

    # Clearance only lifts the 'doctor first' step: every exclusion still applies.
    if intake.physician_clearance is not None:
        cleared = f"Doctor's approval received on {intake.physician_clearance.isoformat()}."
        reasons = [
            Reason(r.code, r.label, f"{r.text} {cleared}", r.sources, TriageLevel.CAUTION)
            if r.level == TriageLevel.PHYSICIAN_CLEARANCE
            else r
            for r in reasons
        ]

    level = min(
        (r.level for r in reasons if r.level is not None),
        key=lambda lvl: lvl.severity,
        default=TriageLevel.PROCEED,
    )
    triage = next(t for t in kb.triage_levels.values() if t.level == level)
    action = Reason(triage.code, triage.label, triage.action, tuple(triage.sources), level)

    excluded_points = {code: list(rs) for code, rs in points.items()}
    for point in kb.points.values():
        if point.region in regions:
            excluded_points.setdefault(point.code, []).extend(regions[point.region])

    startback = None
    if intake.startback is not None:
        result = scoring.startback(intake.startback)
        pathway = next(p for p in kb.pathways.values() if p.risk == result.risk)
        startback = StartBackResult(
            result.total,
            result.psychosocial,
            result.risk,
            Reason(pathway.code, pathway.label, pathway.description, tuple(pathway.sources)),
        )

    return Screening(
        level=level,
        action=action,
        reasons=tuple(sorted(reasons, key=lambda r: r.level.severity if r.level else 99)),
        contraindications={cls: tuple(rs) for cls, rs in by_class.items()},
        excluded_points=_exclusions(excluded_points, kb.points),
        excluded_regions=_exclusions(regions, kb.regions),
        excluded_methods=_exclusions(methods, kb.methods),
        restricted_methods=tuple(restrictions),
        startback=startback,
        plan_allowed=triage.plan_allowed and not whole_treatment,
    )


def _exclusions(found: dict[str, list[Reason]], catalogue: dict[str, Any]) -> tuple[Exclusion, ...]:
    return tuple(
        Exclusion(code, catalogue[code].label, tuple(dict.fromkeys(found[code])))
        for code in catalogue
        if code in found
    )
