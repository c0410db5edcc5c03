"""What a practitioner or patient enters, checked against the knowledge base and itself.

Every list holds knowledge-base codes. `read_intake` is the one validation path for every
entry point (form, CLI, API, import): it turns raw JSON-like data into an `Intake` or
raises InputError naming the field, so a form or the CLI can point at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import Field, model_validator

from acuback.clinical import codes, scoring
from acuback.clinical.base import (
    Code,
    Input,
    InputError,
    IsoDate,
    Number,
    Whole,
    derived,
    validated,
)
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import LOCAL_FINDING_KINDS, FindingKind

Side = Literal["left", "right", "both"]
# A person's age in whole years hides up to a year more of life.
WEEKS_PER_YEAR = 52.18
PREGNANCY_AGES = (10, 60)


class LocalFinding(Input):
    """A finding with a place on the body: a scar, numb skin, lymphoedema of one leg."""

    finding: Code = Field(description="A skin or limb finding code, e.g. numb-skin")
    region: Code = Field(description="The region code where it is")
    side: Side = Field(default="both", description="left, right or both")


class PegAnswers(Input):
    pain: Number = Field(ge=0, le=10)
    enjoyment: Number = Field(ge=0, le=10)
    activity: Number = Field(ge=0, le=10)


class Intake(Input):
    age: Whole = Field(ge=0, le=120)
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    pregnant: bool = Field(default=False, strict=True)
    pregnancy_weeks: Whole | None = Field(default=None, ge=0, le=45)
    pain_duration_weeks: Number = Field(ge=0, le=6300)
    pain_pattern: Literal["constant", "intermittent", "recurrent"] | None = None
    pain_sites: list[Code] = Field(default_factory=list)
    conditions: list[Code] = Field(default_factory=list)
    red_flags: list[Code] = Field(default_factory=list, description="Red flags answered yes")
    history: list[Code] = Field(default_factory=list)
    medications: list[Code] = Field(default_factory=list)
    devices: list[Code] = Field(default_factory=list)
    local_findings: list[LocalFinding] = Field(default_factory=list)
    driving_after_treatment: bool = Field(default=False, strict=True)
    physician_clearance: IsoDate | None = Field(
        default=None, description="Date the doctor's approval was received, if it was"
    )
    guardian_consent: IsoDate | None = Field(
        default=None, description="Date a parent's or guardian's consent was recorded (under 16)"
    )
    startback: dict[Code, Whole] | None = None
    peg: PegAnswers | None = None
    nrs: Number | None = Field(default=None, ge=0, le=10)
    rmdq: list[Whole] | None = Field(default=None, description="Numbers of endorsed statements")

    @model_validator(mode="after")
    def _plausible(self) -> Intake:
        # Each answer is checked against the others: a record that contradicts itself is
        # more likely a typing slip than a patient.
        if self.pregnancy_weeks is not None and not self.pregnant:
            raise ValueError("pregnancy_weeks is given but pregnant is false")
        if self.pregnant and self.sex == "male":
            raise ValueError("pregnant is true but sex is male")
        return self

    def findings(self) -> set[str]:
        """Every finding code this intake asserts, including those implied by yes/no answers."""
        found = {*self.history, *self.medications, *self.devices}
        found |= {local.finding for local in self.local_findings}
        if self.pregnant:
            found.add(codes.PREGNANT)
        if self.driving_after_treatment:
            found.add(codes.DRIVING_AFTER_TREATMENT)
        return found


_FINDING_FIELDS: dict[str, set[FindingKind]] = {
    "history": {FindingKind.HISTORY, FindingKind.STATE},
    "medications": {FindingKind.MEDICATION},
    "devices": {FindingKind.DEVICE},
}


def _check_codes(field: str, codes: list[str], known: Mapping[str, object], what: str) -> None:
    if not codes:
        return
    unique = set(codes)
    if len(unique) == len(codes) and unique <= known.keys():
        return
    for index, code in enumerate(codes):
        if code not in known:
            raise InputError(f"{field}[{index}]", f"'{code}' is not a known {what} code")
    if len(set(codes)) != len(codes):
        raise InputError(field, "a code is listed twice")


def _of_kinds(kinds: set[FindingKind], kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(code for code, finding in kb.findings.items() if finding.kind in kinds)


def _check_dates(intake: Intake, today: date) -> None:
    for field in ("physician_clearance", "guardian_consent"):
        day: date | None = getattr(intake, field)
        if day is not None and day > today:
            raise InputError(field, f"{day.isoformat()} is in the future")


def _check_ages(intake: Intake, kb: KnowledgeBase) -> None:
    lived = (intake.age + 1) * WEEKS_PER_YEAR
    if intake.pain_duration_weeks > lived:
        raise InputError(
            "pain_duration_weeks",
            f"{intake.pain_duration_weeks:g} weeks is longer than a {intake.age}-year-old "
            "has lived",
        )
    low, high = PREGNANCY_AGES
    if intake.pregnant and not low <= intake.age <= high:
        raise InputError("pregnant", f"a pregnancy at age {intake.age} is not plausible")
    for index, code in enumerate(intake.conditions):
        condition = kb.conditions[code]
        if condition.max_weeks is not None and intake.pain_duration_weeks > condition.max_weeks:
            raise InputError(
                f"conditions[{index}]",
                f"{condition.label} lasts at most {condition.max_weeks} weeks; pain of "
                f"{intake.pain_duration_weeks:g} weeks is persistent pain, so record that instead",
            )


def _check_local_findings(intake: Intake, kb: KnowledgeBase) -> None:
    for index, local in enumerate(intake.local_findings):
        where = f"local_findings[{index}]"
        finding = kb.findings.get(local.finding)
        if finding is None or finding.kind not in LOCAL_FINDING_KINDS:
            raise InputError(f"{where}.finding", f"'{local.finding}' is not a skin or limb finding")
        if local.region not in kb.regions:
            raise InputError(f"{where}.region", f"'{local.region}' is not a known region code")


def startback_score(answers: Mapping[str, int], kb: KnowledgeBase) -> scoring.StartBack:
    """`scoring.startback`, worked out once per distinct answer set.

    Only answer sets that scored are remembered, and the key holds every answer given,
    so a set seen before is known to be complete; any other raises ScoringError naming
    the item, as `scoring.startback` does.
    """
    key = ("startback answers", *answers_key(answers))
    return derived(kb.index.derived, key, scoring.startback, answers)


def answers_key(answers: Mapping[str, int]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A questionnaire's answers as a key: the items in the order given, and the answers."""
    return tuple(answers), tuple(answers.values())


def _check_scores(intake: Intake, kb: KnowledgeBase) -> None:
    # The instruments' own scoring rules decide what a complete answer is.
    if intake.startback is not None:
        try:
            startback_score(intake.startback, kb)
        except scoring.ScoringError as exc:
            raise InputError(f"startback.{exc.field}", exc.message) from None
    if intake.rmdq is not None:
        scoring.rmdq(intake.rmdq)


def read_intake(raw: Any, kb: KnowledgeBase, today: date | None = None) -> Intake:
    """Validate raw input (a dict from JSON or a form) into an Intake, or raise InputError."""
    if not isinstance(raw, Mapping):
        raise InputError("intake", "must be a JSON object")
    intake = validated(Intake, raw, "intake")
    _check_codes("pain_sites", intake.pain_sites, kb.pain_sites, "pain site")
    _check_codes("conditions", intake.conditions, kb.conditions, "condition")
    _check_codes("red_flags", intake.red_flags, kb.red_flags, "red flag")
    for field, kinds in _FINDING_FIELDS.items():
        found: list[str] = getattr(intake, field)
        if not found:
            continue
        takes = derived(kb.index.derived, ("finding codes", field), _of_kinds, kinds, kb)
        if len(found) == len(takes.intersection(found)):
            continue  # every code known, of a kind the field takes, and none twice
        _check_codes(field, found, kb.findings, "finding")
        for index, code in enumerate(found):
            if kb.findings[code].kind not in kinds:
                allowed = " or ".join(sorted(kinds))
                raise InputError(
                    f"{field}[{index}]",
                    f"'{code}' is a {kb.findings[code].kind} finding, not {allowed}",
                )
    _check_local_findings(intake, kb)
    _check_ages(intake, kb)
    if intake.physician_clearance is not None or intake.guardian_consent is not None:
        _check_dates(intake, today or date.today())
    _check_scores(intake, kb)
    return intake
