"""The shape of every knowledge-base entry.

The knowledge base is data a clinic lead can edit without Python; this module
is the contract those files must meet. Every model forbids unknown keys so a
misspelt field fails loudly instead of being silently ignored.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CODE_PATTERN = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$"
Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=64)]
SEED_PATTERN = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Entry(Strict):
    """Fields every clinical entry carries."""

    code: Code
    label: str = Field(min_length=2, description="Plain-language name, for patients too")
    description: str = Field(min_length=10, description="Clinician text in our own words")
    sources: list[str] = Field(min_length=1)


# --- sources ----------------------------------------------------------------


class Seed(Strict):
    file: str
    title: str

    @field_validator("file")
    @classmethod
    def _seed_name(cls, value: str) -> str:
        if not SEED_PATTERN.match(value):
            raise ValueError("seed file names look like 000_8db77b63525bdbd8.txt")
        return value


class Literature(Strict):
    code: Code
    citation: str = Field(min_length=10)
    year: int = Field(ge=1900, le=2100)
    identifier: str | None = Field(default=None, description="DOI, PMID, ISBN or document number")
    short: str | None = Field(
        default=None,
        max_length=30,
        description="How readers know it, where the author's name won't do",
    )
    verified: Literal["V", "P", "U"] = Field(
        description="Tag from shared/reference/clinical-facts.md: verified, partly, unverified"
    )


# --- who is suitable --------------------------------------------------------


class Assessment(StrEnum):
    MECHANICAL = "mechanical"
    NEEDS_MEDICAL_ASSESSMENT = "needs_medical_assessment"


class Cause(Entry):
    assessment: Assessment


class Condition(Entry):
    assessment: Assessment
    acute: bool = False
    course_rule: Code = Field(description="Code in course_rules.yaml that schedules this condition")
    pain_sites: list[Code] = Field(
        default_factory=list, description="Pain-site codes typical of the condition"
    )
    combined_physiotherapy: bool = Field(
        default=False, description="Whether the sources suggest adding physiotherapy"
    )
    max_weeks: int | None = Field(
        default=None,
        ge=1,
        description="Pain lasting longer than this is not this condition (e.g. a spasm is acute)",
    )


class PainSite(Entry):
    leg: bool = False


class TriageLevel(StrEnum):
    """Ordered from most to least severe; the engine keeps the worst it finds."""

    EMERGENCY = "emergency"
    URGENT_REFERRAL = "urgent_referral"
    PHYSICIAN_CLEARANCE = "physician_clearance"
    DEFER = "defer"
    CAUTION = "caution"
    PROCEED = "proceed"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


# Asked for every reason of every intake: counted once, not by walking the levels each time.
_SEVERITY = {level: rank for rank, level in enumerate(TriageLevel)}


class TriageAction(Entry):
    """What each triage level means and what the practitioner does next."""

    level: TriageLevel
    action: str = Field(min_length=10)
    plan_allowed: bool = Field(description="Whether a course may be planned at this level")


class HistoryRedirect(Strict):
    """A history that changes what a set of red flags means (known cancer: spread, not onset)."""

    finding: Code
    pathology: Code


class Pathology(Entry):
    """A serious pathology that red flags point to, with what to do about it."""

    urgency: TriageLevel
    action: str = Field(min_length=10, description="Who to contact and how soon")
    trigger: Literal["any", "count"] = "any"
    min_count: int | None = Field(
        default=None, ge=1, description="With trigger=count: features needed to act"
    )
    prerequisites: list[Code] = Field(
        default_factory=list,
        description="With trigger=count: features that must all be present before counting",
    )
    borderline_count: int | None = Field(
        default=None, ge=1, description="With trigger=count: count at which to test, not refer"
    )
    borderline_action: str | None = None
    with_history: HistoryRedirect | None = Field(
        default=None,
        description="When the patient has this history, its features point to another pathology",
    )

    @model_validator(mode="after")
    def _count_rule(self) -> Pathology:
        if self.trigger == "count" and self.min_count is None:
            raise ValueError("trigger 'count' needs min_count")
        if self.trigger == "any" and (self.min_count or self.prerequisites):
            raise ValueError("min_count and prerequisites only apply to trigger 'count'")
        return self


class RedFlag(Entry):
    """One red-flag feature: asked yes/no at intake, or raised from the age or the history."""

    pathology: Code
    question: str = Field(min_length=10, description="Our own yes/no wording for the intake")
    prerequisite: bool = Field(
        default=False, description="For count rules: a gate feature, not one that is counted"
    )
    age_over: int | None = Field(
        default=None, ge=0, description="Raised from the intake's age alone, above this age"
    )
    age_under: int | None = Field(
        default=None, ge=0, description="Raised from the intake's age alone, below this age"
    )
    history: Code | None = Field(
        default=None, description="Raised when the intake's history holds this finding"
    )
    on_its_own: TriageLevel | None = Field(
        default=None,
        description=(
            "Level when this is the only feature of its pathology present; weak flags such "
            "as age alone would otherwise send every older patient to a doctor"
        ),
    )

    @property
    def asked(self) -> bool:
        """Whether the intake asks this flag; age and history flags are raised from answers."""
        return self.age_over is None and self.age_under is None and self.history is None


class FindingKind(StrEnum):
    HISTORY = "history"
    MEDICATION = "medication"
    DEVICE = "device"
    SKIN = "skin"
    LIMB = "limb"
    STATE = "state"


# Findings of these kinds sit somewhere on the body, so an intake records where and on which side.
LOCAL_FINDING_KINDS = frozenset({FindingKind.SKIN, FindingKind.LIMB})


class Finding(Entry):
    """Something about the patient an intake can record (history, medicine, device...)."""

    kind: FindingKind
    whole_limb: bool = Field(
        default=False, description="A local finding that covers the whole limb on its side"
    )
    for_patients: str | None = Field(
        default=None,
        min_length=3,
        description="Its name in a patient's words where the label is a clinical term",
    )


class ContraindicationClass(StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    TEMPORARY = "temporary"


class MethodRestriction(Strict):
    method: Code
    rule: str = Field(min_length=5)


class Exclusions(Strict):
    whole_treatment: bool = False
    points: list[Code] = Field(default_factory=list)
    regions: list[Code] = Field(default_factory=list)
    methods: list[Code] = Field(default_factory=list)
    restricted_methods: list[MethodRestriction] = Field(default_factory=list)


class Contraindication(Entry):
    contraindication_class: ContraindicationClass = Field(alias="class")
    triage: TriageLevel = Field(description="What the engine raises when this applies")
    triggered_by: list[Code] = Field(min_length=1, description="Finding codes")
    excludes: Exclusions = Field(default_factory=Exclusions)
    note: str | None = None
    for_patients: str | None = Field(
        default=None,
        min_length=10,
        description="What changes in the patient's treatment and why, in plain words",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- what to needle ---------------------------------------------------------


class Region(Entry):
    limb: Literal["leg", "arm"] | None = Field(
        default=None, description="The limb this region belongs to, for limb-wide findings"
    )


class PointRole(StrEnum):
    LOCAL = "local"
    ADJACENT = "adjacent"
    DISTAL = "distal"
    AURICULAR = "auricular"


Direction = Literal["lateral", "medial", "superior", "inferior", "anterior", "posterior"]


class Landmark(Strict):
    """Where a point is, as structured fields, never WHO location prose."""

    anchor: str = Field(description="Bony or soft-tissue reference, e.g. 'L2 spinous process'")
    relation: str = Field(description="e.g. 'level with lower border', 'depression distal to'")
    offset_cun: float | None = Field(default=None, ge=0, le=20)
    direction: Direction | None = None
    surface: str | None = Field(default=None, description="e.g. 'dorsum of hand'")


class MapPosition(Strict):
    """Position on the body outline, in percent of the drawing's width and height."""

    view: Literal["front", "back"]
    x: float = Field(ge=0, le=100)
    y: float = Field(ge=0, le=100)


class Point(Entry):
    who_code: str | None = Field(description="WHO standard code, e.g. BL23; None for Ashi")
    pinyin: str
    channel: str = Field(description="Channel name, 'extra' or 'auricular'")
    region: Code
    landmark: Landmark
    bilateral: bool = True
    depth_caution: str | None = None
    roles: list[PointRole] = Field(min_length=1)
    indications: list[Code] = Field(default_factory=list, description="Condition codes")
    pregnancy_caution: bool = False
    map: list[MapPosition] = Field(min_length=1)

    @property
    def on_midline(self) -> bool:
        """A single point drawn on the body's midline (governor vessel, EX-B8) has no side."""
        return not self.bilateral and all(m.x == 50 for m in self.map)


class Protocol(Entry):
    """A published point prescription, kept so plans can be compared to trials."""

    points: list[Code] = Field(min_length=1)
    needles: str | None = None
    sessions: str | None = None


class Method(Entry):
    needling: bool = Field(description="Whether the method pierces the skin")
    cautions: list[str] = Field(default_factory=list)


# --- course and outcomes ----------------------------------------------------


class BlockRule(Entry):
    """A block of sessions the planner schedules: an opening phase, then weekly sessions."""

    kind: Literal["block"]
    opening_per_week: Literal[1, 2] = Field(description="Sessions a week in the opening phase")
    opening_weeks: int = Field(ge=1, le=12)
    max_sessions: int = Field(ge=1, le=30, description="Sessions in the whole block")
    review_after_days: int | None = Field(
        default=None,
        ge=0,
        le=28,
        description="An early review this many days after the last session (short blocks)",
    )

    @model_validator(mode="after")
    def _fits(self) -> BlockRule:
        if self.opening_per_week * self.opening_weeks > self.max_sessions:
            raise ValueError("the opening phase holds more sessions than the whole block")
        return self


class ScheduleRule(Entry):
    """A published or payer course kept for comparison; the planner does not use it."""

    kind: Literal["schedule"]
    sessions_per_week: float | None = Field(default=None, gt=0, le=7)
    weeks: int | None = Field(default=None, ge=1, le=104)
    max_sessions: int | None = Field(default=None, ge=1)


class ReviewRule(Entry):
    kind: Literal["review"]
    review_weeks: tuple[int, int]

    @model_validator(mode="after")
    def _ordered(self) -> ReviewRule:
        if not 0 < self.review_weeks[0] <= self.review_weeks[1]:
            raise ValueError("review_weeks is a window: first week, then last week")
        return self


class CapRule(Entry):
    """A payer limit every drafted course is checked against."""

    kind: Literal["cap"]
    max_sessions: int = Field(ge=1)
    window_days: int = Field(ge=1)


class ExtensionRule(Entry):
    kind: Literal["extension"]
    extra_sessions: int = Field(ge=1)


CourseRule = Annotated[
    BlockRule | ScheduleRule | ReviewRule | CapRule | ExtensionRule, Field(discriminator="kind")
]


class Threshold(Entry):
    instrument: Code
    absolute: float = Field(gt=0, description="Points of improvement that count as important")
    relative: float = Field(gt=0, le=1, description="Fraction of baseline that counts")


class Instrument(Entry):
    item_count: int = Field(ge=1)
    item_codes: list[str] = Field(min_length=1)
    minimum: float
    maximum: float
    higher_is_worse: bool = True
    scoring: str = Field(min_length=10)
    licence: str = Field(min_length=5)
    ships_item_text: Literal[False] = Field(
        default=False, description="Copyrighted wording is never shipped"
    )

    @model_validator(mode="after")
    def _items_match(self) -> Instrument:
        if len(self.item_codes) != self.item_count:
            raise ValueError(f"item_count {self.item_count} but {len(self.item_codes)} item_codes")
        return self


class Pathway(Entry):
    risk: Literal["low", "medium", "high"]


# --- evidence and patient questions ----------------------------------------


class EvidenceItem(Entry):
    kind: Literal["guideline", "systematic_review", "meta_analysis", "trial", "survey", "policy"]
    jurisdiction: str | None = None
    published: date
    status: Literal["current", "historical", "withdrawn"]
    position: Literal["recommends", "may_offer", "do_not_offer", "covers", "no_position"] | None = (
        None
    )
    finding: str = Field(min_length=10)
    updated: date | None = Field(
        default=None, description="When the publisher last updated it, if after `published`"
    )
    valid_years: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="Years after publication for which its publisher treats it as valid",
    )
    for_patients: str | None = Field(
        default=None,
        min_length=10,
        description="What it found or advises, in plain words for the public pages",
    )

    @model_validator(mode="after")
    def _updated_after(self) -> EvidenceItem:
        if self.updated is not None and self.updated < self.published:
            raise ValueError("updated lies before published")
        return self

    def review_due(self) -> date | None:
        """When the publisher stops treating it as valid, if it says so (ACP: 5 years)."""
        if self.valid_years is None:
            return None
        try:
            return self.published.replace(year=self.published.year + self.valid_years)
        except ValueError:  # 29 February
            return self.published.replace(year=self.published.year + self.valid_years, day=28)


class Registration(Entry):
    """What registration or membership to look for in a practitioner, in one country.

    `label` names the body, `description` says in our own words what it tells a patient.
    """

    country: str = Field(min_length=2, description="Where it applies, as patients name it")
    profession: str = Field(
        min_length=3, description="Who it covers, e.g. 'physiotherapists who use acupuncture'"
    )
    check: str = Field(min_length=10, description="What the patient can ask or look for")


class FaqAnswer(Entry):
    """A patient question: `label` is the question, `description` the answer.

    The answer is written for patients, in our own words, and `cites` names the
    knowledge-base entries (evidence, contraindications, rules) it rests on.
    """

    cites: list[Code] = Field(
        default_factory=list, description="Codes of other knowledge-base entries"
    )
