"""Triage, contraindications and stratification of one intake.

Rules come from the knowledge base; this module only applies them. Every decision
carries a Reason with the knowledge-base code, its label and its sources, so a
practitioner can see why and check where the rule came from.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Literal, NamedTuple, get_args

from acuback.clinical import codes, scoring
from acuback.clinical.base import Result, derived, spoken
from acuback.clinical.intake import Intake, LocalFinding, Side, answers_key, startback_score
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import (
    LOCAL_FINDING_KINDS,
    Contraindication,
    ContraindicationClass,
    Entry,
    TriageAction,
    TriageLevel,
)

# After the third month the traditional rule also keeps the upper abdomen free (WHO 1999).
PREGNANCY_UPPER_ABDOMEN_AFTER_WEEKS = 12
# Under 16 a parent's or guardian's consent comes before any plan (the common default;
# clinical-facts, partly verified: thresholds differ by country).
GUARDIAN_CONSENT_UNDER = 16


class Reason(Result):
    code: str
    label: str
    text: str
    sources: tuple[str, ...]
    level: TriageLevel | None = None


class Exclusion(Result):
    """A point, region or method left out on one side or both, with every reason it is."""

    code: str
    label: str
    side: Side = "both"
    reasons: tuple[Reason, ...]

    def covers(self, side: str) -> bool:
        """Whether a needle on this side (left, right, both, midline) falls inside it."""
        return self.side == "both" or side in {self.side, "both", "midline"}


class Restriction(Result):
    """A method allowed only under a rule the practitioner confirms they applied."""

    method: str
    label: str
    rule: str
    reason: Reason

    @property
    def key(self) -> str:
        """Stable across re-screening, so a chart's acknowledgement keeps meaning the same."""
        return f"{self.reason.code}/{self.method}"


class StartBackResult(Result):
    total: int
    psychosocial: int
    risk: scoring.Risk
    pathway: Reason


class Triage(Result):
    level: TriageLevel
    label: str
    action: str
    sources: tuple[str, ...]
    reasons: tuple[Reason, ...]


class Screening(Result):
    version: Literal[2] = 2
    triage: Triage
    contraindications: dict[ContraindicationClass, tuple[Reason, ...]]
    excluded_points: tuple[Exclusion, ...]
    excluded_regions: tuple[Exclusion, ...]
    excluded_methods: tuple[Exclusion, ...]
    restricted_methods: tuple[Restriction, ...]
    startback: StartBackResult | None
    plan_blockers: tuple[Reason, ...]

    @property
    def level(self) -> TriageLevel:
        return self.triage.level

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.triage.reasons

    @property
    def plan_allowed(self) -> bool:
        """May a course be planned (and a session opened)? `plan_blockers` says why not."""
        return not self.plan_blockers

    def excluded_point(self, code: str) -> Exclusion | None:
        return next((e for e in self.excluded_points if e.code == code), None)

    @property
    def excluded_point_codes(self) -> frozenset[str]:
        """Points excluded on at least one side."""
        return frozenset(e.code for e in self.excluded_points)

    @property
    def excluded_method_codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.excluded_methods)


def _flag_groups(
    present: frozenset[str], known_history: frozenset[str], kb: KnowledgeBase
) -> dict[str, list[str]]:
    """Red flags present, grouped by the pathology they point to in this patient."""
    groups: dict[str, list[str]] = defaultdict(list)
    for code in kb.red_flags:  # knowledge-base order keeps the output stable
        if code not in present:
            continue
        flag = kb.red_flags[code]
        pathology = kb.pathologies[flag.pathology]
        redirect = pathology.with_history
        if redirect is not None and redirect.finding in known_history:
            # With a known cancer the worry is spread, not a first cancer: the asked
            # features count toward spread, and age alone adds nothing the history
            # has not already raised.
            if not flag.asked and flag.history is None:
                continue
            groups[redirect.pathology].append(code)
        else:
            groups[flag.pathology].append(code)
    return groups


def _raised(
    age: int, asked: Iterable[str], findings: Iterable[str], kb: KnowledgeBase
) -> tuple[frozenset[str], frozenset[str]]:
    """The red flags present (asked at intake, or raised by the age or the history), and
    the history that changes what they point to."""
    present = set(asked)
    present |= derived(kb.index.derived, ("age flags", age), _age_flags, age, kb)
    by_history = kb.index.red_flags_by_history
    for finding in findings:
        if finding in by_history:
            present.update(f.code for f in by_history[finding])
    if not present:
        return frozenset(), frozenset()
    return frozenset(present), kb.index.redirecting_history.intersection(findings)


def _age_flags(age: int, kb: KnowledgeBase) -> frozenset[str]:
    """The red flags an age raises on its own, by the thresholds in red_flags.yaml."""
    return frozenset(
        flag.code
        for flag in kb.index.red_flags_by_age
        if (flag.age_over is not None and age > flag.age_over)
        or (flag.age_under is not None and age < flag.age_under)
    )


def triggered(findings: Iterable[str], kb: KnowledgeBase) -> list[Contraindication]:
    """The contraindications any of these findings triggers, in knowledge-base order."""
    found = {
        ci.code: ci for f in findings for ci in kb.index.contraindications_by_finding.get(f, ())
    }
    order = kb.index.contraindication_order
    return sorted(found.values(), key=lambda ci: order[ci.code])


def _red_flag_reasons(
    present: frozenset[str], known: frozenset[str], kb: KnowledgeBase
) -> tuple[Reason, ...]:
    if not present:
        return ()
    return derived(
        kb.index.derived, ("red flags", present, known), _flag_reasons, present, known, kb
    )


def _flag_reasons(
    present: frozenset[str], known_history: frozenset[str], kb: KnowledgeBase
) -> tuple[Reason, ...]:
    reasons = []
    for pathology_code, flags in _flag_groups(present, known_history, kb).items():
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
    return tuple(reasons)


def where(local: LocalFinding, kb: KnowledgeBase) -> str:
    """The place of a local finding in words: 'left lower leg', 'right leg', 'both legs'."""
    region = kb.regions[local.region]
    if kb.findings[local.finding].whole_limb and region.limb is not None:
        return f"both {region.limb}s" if local.side == "both" else f"{local.side} {region.limb}"
    name = region.label[0].lower() + region.label[1:]
    return f"{name} (both sides)" if local.side == "both" else f"{local.side} {name}"


def _covered_regions(local: LocalFinding, kb: KnowledgeBase) -> list[str]:
    region = kb.regions[local.region]
    if kb.findings[local.finding].whole_limb and region.limb is not None:
        return [code for code, r in kb.regions.items() if r.limb == region.limb]
    return [local.region]


# What excludes an entry: the tokens of its reasons, each with the side it applies to.
# A token names one remembered reason for as long as the store keeps it (a new one is
# drawn whenever a reason is worked out again), so an exclusion seen before is found by
# a small key.
Sided = dict[str, list[tuple[int, Side]]]
_tokens = itertools.count()


def _union(sides: Iterable[Side]) -> Side:
    found = set(sides)
    if "both" in found or found == {"left", "right"}:
        return "both"
    return found.pop()


def _exclusion(
    code: str,
    label: str,
    found: Sequence[tuple[int, Side]],
    reasons: Mapping[int, Reason],
) -> Exclusion:
    return Exclusion(
        code=code,
        label=label,
        side=_union(side for _, side in found),
        reasons=tuple(dict.fromkeys(reasons[key] for key, _ in found)),
    )


def _exclusions(
    found: Sided,
    reasons: Mapping[int, Reason],
    catalogue: Mapping[str, Entry],
    kind: str,
    kb: KnowledgeBase,
) -> tuple[Exclusion, ...]:
    store = kb.index.derived
    order = kb.index.order[kind]
    made = []
    for code in sorted(found, key=order.__getitem__):
        key = ("exclusion", kind, code, tuple(found[code]))
        label = catalogue[code].label
        made.append(derived(store, key, _exclusion, code, label, found[code], reasons))
    return tuple(made)


_CLASSES = tuple(ContraindicationClass)
# The findings that trigger a contraindication in an intake, each with the places it was
# found at (none for a finding that has no place).
Triggers = tuple[tuple[str, tuple[str, ...]], ...]


class _Triggered(NamedTuple):
    """One contraindication as these findings (and their places) trigger it, with what it
    excludes, so that merging it into an intake's exclusions reads nothing else."""

    restrictions: tuple[Restriction, ...]
    class_index: int  # its class's position in ContraindicationClass
    whole_treatment: bool
    excludes: _Excludes  # with its reason
    own: _Own  # its exclusions, were it the only reason

    @property
    def reason(self) -> Reason:
        return self.excludes.reason


def _triggered(ci: Contraindication, triggers: Triggers, kb: KnowledgeBase) -> _Triggered:
    because = ", ".join(
        kb.findings[f].label + (f" ({', '.join(places)})" if places else "")
        for f, places in triggers
    )
    reason = Reason(
        code=ci.code,
        label=ci.label,
        text=f"{because}: {ci.description}",
        sources=tuple(ci.sources),
        level=ci.triage,
    )
    located = "; ".join(p for _, places in triggers for p in places)
    rule = ci.excludes
    excludes = _Excludes(
        reason,
        next(_tokens),
        tuple(rule.points),
        tuple(rule.regions),
        tuple(rule.methods),
        "both",
    )
    return _Triggered(
        tuple(
            Restriction(
                method=rm.method,
                label=kb.methods[rm.method].label,
                rule=f"{rm.rule} Here: {located}." if located else rm.rule,
                reason=reason,
            )
            for rm in rule.restricted_methods
        ),
        _CLASSES.index(ci.contraindication_class),
        rule.whole_treatment,
        excludes,
        _joined([excludes], kb),
    )


class _Placed(NamedTuple):
    """A reason that keeps needles and heat out of regions, on one side or both."""

    excludes: _Excludes
    own: _Own


def _placed(reason: Reason, regions: tuple[str, ...], side: Side, kb: KnowledgeBase) -> _Placed:
    excludes = _Excludes(reason, next(_tokens), (), regions, (), side)
    return _Placed(excludes, _joined([excludes], kb))


def _local_reason(local: LocalFinding, kb: KnowledgeBase) -> _Placed:
    """A local finding's reason, and the regions it keeps needles and heat out of."""
    finding = kb.findings[local.finding]
    reason = Reason(
        code=local.finding,
        label=finding.label,
        text=f"{finding.label}, {where(local, kb)}: no needles or heat there.",
        sources=tuple(finding.sources),
    )
    return _placed(reason, tuple(_covered_regions(local, kb)), local.side, kb)


def _upper_abdomen_reason(kb: KnowledgeBase) -> _Placed:
    reason = Reason(
        code=codes.PREGNANT,
        label=kb.findings[codes.PREGNANT].label,
        text="After the third month the traditional rule adds the upper abdomen.",
        sources=(codes.WHO_1999_SAFETY,),
    )
    return _placed(reason, (codes.UPPER_ABDOMEN,), "both", kb)


class _Excluded(NamedTuple):
    """What a set of findings rules out: the same for every intake that has them."""

    reasons: tuple[Reason, ...]
    by_class: tuple[tuple[ContraindicationClass, tuple[Reason, ...]], ...]
    whole_treatment: tuple[Reason, ...]
    points: tuple[Exclusion, ...]
    regions: tuple[Exclusion, ...]
    methods: tuple[Exclusion, ...]
    restrictions: tuple[Restriction, ...]


def _excluded(
    findings: frozenset[str],
    local_findings: tuple[LocalFinding, ...],
    upper_abdomen: bool,
    kb: KnowledgeBase,
) -> _Excluded:
    """Every contraindication these findings trigger, and the points, regions and methods
    they leave out, on one side or both.

    Built from parts shared between patients (a contraindication's reason for the
    findings that triggered it, with what it excludes on its own; a local finding's), so a
    new combination of findings mostly reuses what earlier ones worked out.
    """
    store = kb.index.derived
    places: dict[str, list[str]] = {}
    for local in local_findings:
        places.setdefault(local.finding, []).append(where(local, kb))
    by_class: list[list[Reason]] = [[] for _ in _CLASSES]
    restrictions: list[Restriction] = []
    whole_treatment: list[Reason] = []
    parts: list[_Triggered] = []
    for ci in triggered(findings, kb):
        if places:
            triggers = tuple(
                (f, tuple(places.get(f, ()))) for f in ci.triggered_by if f in findings
            )
        else:
            triggers = tuple([(f, ()) for f in ci.triggered_by if f in findings])
        part = derived(store, ("triggered", ci.code, triggers), _triggered, ci, triggers, kb)
        parts.append(part)
        by_class[part.class_index].append(part.reason)
        if part.whole_treatment:
            whole_treatment.append(part.reason)
        restrictions += part.restrictions
    # A local finding excludes needles and heat where it is, on its side only.
    placed = [
        derived(
            store, ("local finding", local.finding, local.region, local.side),
            _local_reason, local, kb,
        )
        for local in local_findings
    ]  # fmt: skip
    if upper_abdomen:
        placed.append(derived(store, ("upper abdomen",), _upper_abdomen_reason, kb))

    # Most intakes exclude no entry for two reasons: each reason's own exclusions are
    # then set side by side as they are.
    owns = [part.own for part in parts] + [place.own for place in placed]
    points, regions, methods = (_merged(owns, kind, kb) for kind in range(3))
    if points is None or regions is None or methods is None:
        everything = [part.excludes for part in parts] + [place.excludes for place in placed]
        points, regions, methods = _joined(everything, kb)
    return _Excluded(
        tuple([part.reason for part in parts]),
        tuple(zip(_CLASSES, map(tuple, by_class), strict=True)),
        tuple(whole_treatment),
        points,
        regions,
        methods,
        tuple(restrictions),
    )


class _Own(NamedTuple):
    """Exclusions of points, regions and methods, each in catalogue order."""

    points: tuple[Exclusion, ...]
    regions: tuple[Exclusion, ...]
    methods: tuple[Exclusion, ...]


class _Excludes(NamedTuple):
    """What one reason excludes: its points and methods on both sides, its regions (and
    the points in them) on `side`."""

    reason: Reason
    token: int
    points: tuple[str, ...]
    regions: tuple[str, ...]
    methods: tuple[str, ...]
    side: Side


def _joined(excludes: Iterable[_Excludes], kb: KnowledgeBase) -> _Own:
    """Each entry any reason excludes, once, on the union of its sides, with every reason
    for it in the order they come."""
    points: Sided = defaultdict(list)
    regions: Sided = defaultdict(list)
    methods: Sided = defaultdict(list)
    reason_of: dict[int, Reason] = {}
    for reason, token, point_codes, region_codes, method_codes, side in excludes:
        reason_of[token] = reason
        both: tuple[int, Side] = (token, "both")
        for code in point_codes:
            points[code].append(both)
        for code in region_codes:
            regions[code].append((token, side))
        for code in method_codes:
            methods[code].append(both)
    midline = kb.index.midline_points
    for region, found in regions.items():
        for point in kb.index.points_by_region.get(region, ()):
            if point.code in midline:
                # How far a one-sided finding reaches toward the midline cannot be told,
                # so a midline point goes with either side.
                points[point.code] += [(token, "both") for token, _ in found]
            else:
                points[point.code] += found
    return _Own(
        _exclusions(points, reason_of, kb.points, "points", kb),
        _exclusions(regions, reason_of, kb.regions, "regions", kb),
        _exclusions(methods, reason_of, kb.methods, "methods", kb),
    )


def _merged(owns: Sequence[_Own], kind: int, kb: KnowledgeBase) -> tuple[Exclusion, ...] | None:
    """The reasons' own exclusions of one kind side by side, in catalogue order; None if
    an entry is excluded for two reasons (its exclusion then joins them: `_joined`)."""
    found = [own[kind] for own in owns if own[kind]]
    if len(found) < 2:
        return found[0] if found else ()
    made = [exclusion for group in found for exclusion in group]
    if len({exclusion.code for exclusion in made}) != len(made):
        return None
    order = kb.index.order[_Own._fields[kind]]
    return tuple(sorted(made, key=lambda exclusion: order[exclusion.code]))


def _startback_of(answers: Mapping[str, int], kb: KnowledgeBase) -> StartBackResult:
    key = ("startback result", *answers_key(answers))
    return derived(kb.index.derived, key, _startback_result, answers, kb)


def _startback_result(answers: Mapping[str, int], kb: KnowledgeBase) -> StartBackResult:
    score = startback_score(answers, kb)
    return derived(kb.index.derived, ("startback", score), _startback, score, kb)


def _startback(score: scoring.StartBack, kb: KnowledgeBase) -> StartBackResult:
    pathway = kb.pathway_for(score.risk)
    return StartBackResult(
        total=score.total,
        psychosocial=score.psychosocial,
        risk=score.risk,
        pathway=Reason(
            code=pathway.code,
            label=pathway.label,
            text=pathway.description,
            sources=tuple(pathway.sources),
        ),
    )


def screen(intake: Intake, kb: KnowledgeBase) -> Screening:
    """Apply every red-flag, contraindication and stratification rule to an intake."""
    findings = intake.findings()
    present, known = _raised(intake.age, intake.red_flags, findings, kb)
    # Only what the knowledge base acts on goes into the keys, so two patients with the
    # same relevant answers share what was worked out for the first.
    relevant = kb.index.contraindicating.intersection(findings)
    local = tuple(intake.local_findings)
    upper_abdomen = (
        intake.pregnant and (intake.pregnancy_weeks or 0) > PREGNANCY_UPPER_ABDOMEN_AFTER_WEEKS
    )
    startback = None
    if intake.startback is not None:
        startback = _startback_of(intake.startback, kb)
    needs_guardian = intake.age < GUARDIAN_CONSENT_UNDER and intake.guardian_consent is None
    return _screening(
        present,
        known,
        (relevant, local, upper_abdomen),
        intake.physician_clearance,
        startback,
        needs_guardian,
        kb,
    )


# What an intake's exclusions follow from: the contraindicating findings, the local ones,
# and whether the upper abdomen is kept free in pregnancy.
ExcludedBy = tuple[frozenset[str], tuple[LocalFinding, ...], bool]


def _screening(
    present: frozenset[str],
    known: frozenset[str],
    excluded_by: ExcludedBy,
    clearance: date | None,
    startback: StartBackResult | None,
    needs_guardian: bool,
    kb: KnowledgeBase,
) -> Screening:
    store = kb.index.derived
    excluded, triage, held_back = _judged(present, known, excluded_by, clearance, kb)
    blockers = [*held_back, *excluded.whole_treatment]
    if needs_guardian:
        blockers.append(derived(store, ("guardian",), _guardian_needed, kb))
    return Screening(
        triage=triage,
        contraindications=dict(excluded.by_class),
        excluded_points=excluded.points,
        excluded_regions=excluded.regions,
        excluded_methods=excluded.methods,
        restricted_methods=excluded.restrictions,
        startback=startback,
        plan_blockers=tuple(blockers),
    )


def _judged(
    present: frozenset[str],
    known: frozenset[str],
    excluded_by: ExcludedBy,
    clearance: date | None,
    kb: KnowledgeBase,
) -> tuple[_Excluded, Triage, tuple[Reason, ...]]:
    """What the findings exclude, and the triage with what it holds back."""
    store = kb.index.derived
    excluded = _excluded_for(excluded_by, kb)
    triage, held_back = derived(
        store,
        ("triage", present, known, excluded_by, clearance),
        _triage,
        present,
        known,
        excluded.reasons,
        clearance,
        kb,
    )
    return excluded, triage, held_back


def _excluded_for(excluded_by: ExcludedBy, kb: KnowledgeBase) -> _Excluded:
    """What these findings exclude, under the one key both an intake and `prepare` use."""
    return derived(kb.index.derived, ("excluded", *excluded_by), _excluded, *excluded_by, kb)


def _triage(
    present: frozenset[str],
    known: frozenset[str],
    excluded: Sequence[Reason],
    clearance: date | None,
    kb: KnowledgeBase,
) -> tuple[Triage, tuple[Reason, ...]]:
    """The triage level with every reason for it, and the blocker it makes if it holds
    the plan back."""
    reasons = [*_red_flag_reasons(present, known, kb), *excluded]
    # Clearance only lifts the 'doctor first' step: every exclusion still applies.
    if clearance is not None:
        cleared = f"Doctor's approval received on {spoken(clearance)}."
        reasons = [
            r.model_copy(update={"text": f"{r.text} {cleared}", "level": TriageLevel.CAUTION})
            if r.level == TriageLevel.PHYSICIAN_CLEARANCE
            else r
            for r in reasons
        ]
    # The most severe reason comes first; its level is the triage's (none at all: proceed).
    ordered = tuple(sorted(reasons, key=_severity))
    first = ordered[0] if ordered else None
    level = first.level if first is not None and first.level is not None else TriageLevel.PROCEED
    entry = kb.triage_for(level)
    triage = Triage(
        level=level,
        label=entry.label,
        action=entry.action,
        sources=tuple(entry.sources),
        reasons=ordered,
    )
    if entry.plan_allowed:
        return triage, ()
    # What holds the plan back reads the same for every triage at this level led by
    # this reason, so it is made once.
    said = first.label if first is not None else None
    return triage, (derived(kb.index.derived, ("blocker", level, said), _blocker, said, entry),)


def _severity(reason: Reason) -> int:
    return reason.level.severity if reason.level is not None else 99


def _blocker(first_label: str | None, entry: TriageAction) -> Reason:
    return Reason(
        code=entry.code,
        label=entry.label,
        text=f"{first_label}: {entry.action}" if first_label is not None else entry.action,
        sources=tuple(entry.sources),
        level=entry.level,
    )


def _guardian_needed(kb: KnowledgeBase) -> Reason:
    paediatric = kb.pathologies[codes.PAEDIATRIC_BACK_PAIN]
    return Reason(
        code=paediatric.code,
        label="Guardian's consent needed",
        text=f"The patient is under {GUARDIAN_CONSENT_UNDER}: record a parent's or "
        "guardian's consent before any plan.",
        sources=tuple(paediatric.sources),
    )


# A contraindication triggered by more of its findings at once is made when first met.
PREPARED_TRIGGERS = 2
# Most patients bring none, one or two of the findings that contraindicate something:
# what they exclude, and the triage at each age, is made ahead. What three exclude is made
# ahead too (7,175 sets in all, about 0.15 s and 6.5 MB more a process), as a patient may
# well bring a medicine, a device and a past condition at once; the triage of three, and
# what four or more exclude, is worked out when first met.
PREPARED_FINDINGS = 2
PREPARED_EXCLUSIONS = 3


def prepare(kb: KnowledgeBase) -> None:
    """Work out, before any intake, the parts of a screening that follow from the knowledge
    base alone: the red flags each age raises, each red flag's reason on its own, each
    contraindication's reason and exclusions for one or two of its findings, each skin or
    limb finding's in every region and on every side (with what it triggers there), what
    each set of up to two findings excludes and the triage it gives at each age, what each
    set of three excludes, and each complete STarT Back answer set's score and result.

    They are made through the same look-ups an intake makes, under the same keys, so a
    prepared store answers exactly as an empty one would.
    """
    store = kb.index.derived
    # One age stands for all that raise the same red flags on their own.
    ages = {derived(store, ("age flags", age), _age_flags, age, kb): age for age in range(121)}
    for flag in kb.red_flags:
        _red_flag_reasons(frozenset([flag]), frozenset(), kb)
    for ci in kb.contraindications.values():
        findings = list(dict.fromkeys(ci.triggered_by))
        for size in range(1, min(len(findings), PREPARED_TRIGGERS) + 1):
            for found in itertools.combinations(findings, size):
                triggers = tuple([(f, ()) for f in ci.triggered_by if f in found])
                derived(store, ("triggered", ci.code, triggers), _triggered, ci, triggers, kb)
    for code, finding in kb.findings.items():
        if finding.kind not in LOCAL_FINDING_KINDS:
            continue
        for region in kb.regions:
            for side in get_args(Side):
                local = LocalFinding(finding=code, region=region, side=side)
                placed = ("local finding", code, region, side)
                derived(store, placed, _local_reason, local, kb)
                # What the finding triggers, said with its one place.
                there: Triggers = ((code, (where(local, kb),)),)
                for ci in kb.index.contraindications_by_finding.get(code, ()):
                    if ci.triggered_by == [code]:
                        derived(store, ("triggered", ci.code, there), _triggered, ci, there, kb)
    derived(store, ("upper abdomen",), _upper_abdomen_reason, kb)
    derived(store, ("guardian",), _guardian_needed, kb)
    # Each set of such findings with no local one, judged at each age that raises its own
    # red flags.
    for size in range(PREPARED_FINDINGS + 1):
        for found in itertools.combinations(kb.index.contraindications_by_finding, size):
            excluded_by = (frozenset(found), (), False)
            for age in ages.values():
                present, known = _raised(age, (), found, kb)
                _judged(present, known, excluded_by, None, kb)
    for size in range(PREPARED_FINDINGS + 1, PREPARED_EXCLUSIONS + 1):
        for found in itertools.combinations(kb.index.contraindications_by_finding, size):
            _excluded_for((frozenset(found), (), False), kb)
    # Every complete answer set in the questionnaire's order (as the forms send it).
    for answers in itertools.product((0, 1), repeat=len(scoring.STARTBACK_ITEMS)):
        _startback_of(dict(zip(scoring.STARTBACK_ITEMS, answers, strict=True)), kb)
