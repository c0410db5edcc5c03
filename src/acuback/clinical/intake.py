"""What a practitioner or patient enters, checked against the knowledge base.

Every list holds knowledge-base codes. `read_intake` turns raw JSON-like data into an
`Intake` or raises IntakeError naming the field, so a form or the CLI can point at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from acuback.clinical import codes
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import FindingKind


class IntakeError(ValueError):
    """Input that cannot be used; `field` names where the problem is."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class SkinProblem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: str = Field(description="A skin finding code, e.g. numb-skin or scar-or-keloid")
    region: str = Field(description="The region code where it is")


class PegAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pain: float = Field(ge=0, le=10)
    enjoyment: float = Field(ge=0, le=10)
    activity: float = Field(ge=0, le=10)


class Intake(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    age: int = Field(ge=0, le=120)
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    pregnant: bool = False
    pregnancy_weeks: int | None = Field(default=None, ge=0, le=45)
    pain_duration_weeks: float = Field(ge=0, le=5200)
    pain_pattern: Literal["constant", "intermittent", "recurrent"] | None = None
    pain_sites: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    red_flags: list[str] = Field(default_factory=list, description="Red flags answered yes")
    history: list[str] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)
    devices: list[str] = Field(default_factory=list)
    skin_problems: list[SkinProblem] = Field(default_factory=list)
    driving_after_treatment: bool = False
    physician_clearance: date | None = Field(
        default=None, description="Date the doctor's approval was received, if it was"
    )
    startback: dict[str, int] | None = None
    peg: PegAnswers | None = None
    nrs: float | None = Field(default=None, ge=0, le=10)
    rmdq: list[int] | None = Field(default=None, description="Numbers of endorsed statements")

    @model_validator(mode="after")
    def _pregnancy(self) -> Intake:
        if self.pregnancy_weeks is not None and not self.pregnant:
            raise ValueError("pregnancy_weeks is given but pregnant is false")
        if self.pregnant and self.sex == "male":
            raise ValueError("pregnant is true but sex is male")
        return self

    def findings(self) -> set[str]:
        """Every finding code this intake asserts, including those implied by yes/no answers."""
        found = {*self.history, *self.medications, *self.devices}
        found |= {skin.finding for skin in self.skin_problems}
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
    for index, code in enumerate(codes):
        if code not in known:
            raise IntakeError(f"{field}[{index}]", f"'{code}' is not a known {what} code")
    if len(set(codes)) != len(codes):
        raise IntakeError(field, "a code is listed twice")


ModelT = TypeVar("ModelT", bound=BaseModel)


def validated(model: type[ModelT], raw: Any, whole: str) -> ModelT:
    """Validate with pydantic, reporting the first problem as an IntakeError on its field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(part) for part in err["loc"]) or whole
        raise IntakeError(field, err["msg"]) from None


def read_intake(raw: Any, kb: KnowledgeBase) -> Intake:
    """Validate raw input (a dict from JSON or a form) into an Intake."""
    if not isinstance(raw, Mapping):
        raise IntakeError("intake", "must be a JSON object")
    intake = validated(Intake, raw, "intake")
    _check_codes("pain_sites", intake.pain_sites, kb.pain_sites, "pain site")
    _check_codes("conditions", intake.conditions, kb.conditions, "condition")
    _check_codes("red_flags", intake.red_flags, kb.red_flags, "red flag")
    for field, kinds in _FINDING_FIELDS.items():
        codes: list[str] = getattr(intake, field)
        _check_codes(field, codes, kb.findings, "finding")
        for index, code in enumerate(codes):
            if kb.findings[code].kind not in kinds:
                allowed = " or ".join(sorted(kinds))
                raise IntakeError(
                    f"{field}[{index}]",
                    f"'{code}' is a {kb.findings[code].kind} finding, not {allowed}",
                )
    for index, skin in enumerate(intake.skin_problems):
        where = f"skin_problems[{index}]"
        if skin.finding not in kb.findings or kb.findings[skin.finding].kind != FindingKind.SKIN:
            raise IntakeError(f"{where}.finding", f"'{skin.finding}' is not a known skin finding")
        if skin.region not in kb.regions:
            raise IntakeError(f"{where}.region", f"'{skin.region}' is not a known region code")
    return intake
