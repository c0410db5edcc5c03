"""Load and validate the knowledge base once, failing fast with file, entry and field."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from acuback.knowledge import schema as s

DATA_DIR = Path(__file__).parent / "data"

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)

# File name -> entry type. The order is the order `kb check` reports counts in.
FILES: dict[str, Any] = {
    "seeds.yaml": s.Seed,
    "literature.yaml": s.Literature,
    "causes.yaml": s.Cause,
    "conditions.yaml": s.Condition,
    "pain_sites.yaml": s.PainSite,
    "triage_levels.yaml": s.TriageAction,
    "pathologies.yaml": s.Pathology,
    "red_flags.yaml": s.RedFlag,
    "findings.yaml": s.Finding,
    "contraindications.yaml": s.Contraindication,
    "regions.yaml": s.Region,
    "points.yaml": s.Point,
    "protocols.yaml": s.Protocol,
    "methods.yaml": s.Method,
    "course_rules.yaml": s.CourseRule,
    "thresholds.yaml": s.Threshold,
    "instruments.yaml": s.Instrument,
    "pathways.yaml": s.Pathway,
    "evidence.yaml": s.EvidenceItem,
    "registration.yaml": s.Registration,
    "faq.yaml": s.FaqAnswer,
}


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: entry '{self.entry}', field '{self.field}': {self.message}"


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` lists every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the knowledge base:\n{shown}{more}")


class Remembered(dict[Hashable, Any]):
    """The engine's store of what it worked out from one knowledge base.

    Its first `kept` entries were made ahead, when the engine prepared the knowledge base
    (`acuback.clinical.prepared`), and stay when the store starts afresh; while
    `preparing`, every entry is kept.
    """

    kept = 0
    preparing = False

    def start_afresh(self) -> None:
        """Forget what was worked out for intakes; keep what was prepared."""
        kept = dict(itertools.islice(self.items(), self.kept))
        self.clear()
        self.update(kept)


@dataclass(frozen=True)
class KnowledgeIndex:
    """Look-ups the engine makes for every intake, built once instead of walked each time.

    Every tuple keeps the knowledge base's own order, so results read the same as a
    walk over the whole collection would give.
    """

    contraindications_by_finding: dict[str, tuple[s.Contraindication, ...]]
    contraindicating: frozenset[str]  # the findings that trigger any contraindication
    contraindication_order: dict[str, int]
    # Each catalogue's codes by position ("points", "regions", "methods"), so what a
    # result lists keeps the knowledge base's order without walking the catalogue.
    order: dict[str, dict[str, int]]
    points_by_region: dict[str, tuple[s.Point, ...]]
    midline_points: frozenset[str]
    # (role, condition) -> (position in points.yaml, point), for the points indicated for
    # that condition in that role: the ranking's candidates.
    points_by_role_and_condition: dict[tuple[s.PointRole, str], tuple[tuple[int, s.Point], ...]]
    red_flags_by_age: tuple[s.RedFlag, ...]
    red_flags_by_history: dict[str, tuple[s.RedFlag, ...]]
    # Findings that send a pathology's red flags to another one (a known cancer: spread).
    redirecting_history: frozenset[str]
    triage_by_level: dict[s.TriageLevel, s.TriageAction]
    pathway_by_risk: dict[str, s.Pathway]
    threshold_by_instrument: dict[str, s.Threshold]
    # What the engine works out from these entries alone (the exclusions a set of
    # findings brings, a point's reason in a role): the same combination is worked out
    # once per loaded knowledge base. See `acuback.clinical.base.derived`.
    derived: Remembered = field(default_factory=Remembered, compare=False, repr=False)


def _grouped(pairs: Iterator[tuple[Any, Any]]) -> dict[Any, tuple[Any, ...]]:
    groups: dict[Any, list[Any]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in groups.items()}


def build_index(kb: KnowledgeBase) -> KnowledgeIndex:
    by_finding = _grouped(
        (finding, ci)
        for ci in kb.contraindications.values()
        for finding in dict.fromkeys(ci.triggered_by)
    )
    # A later entry never replaces an earlier one: `validate` guarantees one per key.
    return KnowledgeIndex(
        contraindications_by_finding=by_finding,
        contraindicating=frozenset(by_finding),
        contraindication_order={code: i for i, code in enumerate(kb.contraindications)},
        order={
            name: {code: i for i, code in enumerate(entries)}
            for name, entries in (
                ("points", kb.points),
                ("regions", kb.regions),
                ("methods", kb.methods),
            )
        },
        points_by_region=_grouped((p.region, p) for p in kb.points.values()),
        midline_points=frozenset(p.code for p in kb.points.values() if p.on_midline),
        points_by_role_and_condition=_grouped(
            ((role, condition), (order, point))
            for order, point in enumerate(kb.points.values())
            for role in dict.fromkeys(point.roles)
            for condition in dict.fromkeys(point.indications)
        ),
        red_flags_by_age=tuple(
            f for f in kb.red_flags.values() if f.age_over is not None or f.age_under is not None
        ),
        red_flags_by_history=_grouped(
            (f.history, f) for f in kb.red_flags.values() if f.history is not None
        ),
        redirecting_history=frozenset(
            p.with_history.finding for p in kb.pathologies.values() if p.with_history is not None
        ),
        triage_by_level={t.level: t for t in reversed(kb.triage_levels.values())},
        pathway_by_risk={p.risk: p for p in reversed(kb.pathways.values())},
        threshold_by_instrument={t.instrument: t for t in reversed(kb.thresholds.values())},
    )


@dataclass
class KnowledgeBase:
    seeds: dict[str, s.Seed] = field(default_factory=dict)
    literature: dict[str, s.Literature] = field(default_factory=dict)
    causes: dict[str, s.Cause] = field(default_factory=dict)
    conditions: dict[str, s.Condition] = field(default_factory=dict)
    pain_sites: dict[str, s.PainSite] = field(default_factory=dict)
    triage_levels: dict[str, s.TriageAction] = field(default_factory=dict)
    pathologies: dict[str, s.Pathology] = field(default_factory=dict)
    red_flags: dict[str, s.RedFlag] = field(default_factory=dict)
    findings: dict[str, s.Finding] = field(default_factory=dict)
    contraindications: dict[str, s.Contraindication] = field(default_factory=dict)
    regions: dict[str, s.Region] = field(default_factory=dict)
    points: dict[str, s.Point] = field(default_factory=dict)
    protocols: dict[str, s.Protocol] = field(default_factory=dict)
    methods: dict[str, s.Method] = field(default_factory=dict)
    course_rules: dict[str, s.CourseRule] = field(default_factory=dict)
    thresholds: dict[str, s.Threshold] = field(default_factory=dict)
    instruments: dict[str, s.Instrument] = field(default_factory=dict)
    pathways: dict[str, s.Pathway] = field(default_factory=dict)
    evidence: dict[str, s.EvidenceItem] = field(default_factory=dict)
    registration: dict[str, s.Registration] = field(default_factory=dict)
    faq: dict[str, s.FaqAnswer] = field(default_factory=dict)

    def collections(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for file_name in FILES:
            name = file_name.removesuffix(".yaml")
            yield name, getattr(self, name)

    def counts(self) -> dict[str, int]:
        return {name: len(entries) for name, entries in self.collections()}

    def entry(self, code: str) -> tuple[str, BaseModel]:
        """Find any entry by its code (or a seed by its file name)."""
        for name, entries in self.collections():
            if code in entries:
                return name, entries[code]
        raise KeyError(code)

    def all_codes(self) -> set[str]:
        return {code for _, entries in self.collections() for code in entries}

    def source_label(self, source: str) -> str:
        if source in self.seeds:
            return f"{source} ({self.seeds[source].title})"
        ref = self.literature[source]
        return ref.citation

    @cached_property
    def index(self) -> KnowledgeIndex:
        """Built by `load`, once; the entries are not changed after loading."""
        return build_index(self)

    # `validate` guarantees exactly one entry per level, risk and instrument, so these
    # look-ups cannot miss on a loaded knowledge base.
    def triage_for(self, level: s.TriageLevel) -> s.TriageAction:
        return self.index.triage_by_level[level]

    def pathway_for(self, risk: str) -> s.Pathway:
        return self.index.pathway_by_risk[risk]

    def threshold_for(self, instrument: str) -> s.Threshold:
        return self.index.threshold_by_instrument[instrument]

    def rule(self, code: str, kind: type[R]) -> R:
        """A course rule that must be of the given kind (the engine names its rules by code)."""
        found = self.course_rules[code]
        if not isinstance(found, kind):
            raise KnowledgeError(
                [Problem("course_rules.yaml", code, "kind", f"must be a {kind.__name__}")]
            )
        return found


def title_of(entry: Any) -> str:
    """What an entry is called: its label, a seed's title or a reference's citation."""
    for name in ("label", "title", "citation"):
        if value := getattr(entry, name, None):
            return str(value)
    return ""


def _key(model: Any) -> str:
    return "file" if model is s.Seed else "code"


def _read(path: Path) -> tuple[list[Any], list[Problem]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return [], [Problem(path.name, "-", "-", f"not valid YAML: {exc}")]
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [Problem(path.name, "-", "-", "the file must be a list of entries")]
    return raw, []


def _parse(data_dir: Path) -> tuple[KnowledgeBase, list[Problem]]:
    kb = KnowledgeBase()
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for file_name, model in FILES.items():
        adapter: TypeAdapter[Any] = TypeAdapter(model)
        path = data_dir / file_name
        if not path.exists():
            problems.append(Problem(file_name, "-", "-", "file is missing"))
            continue
        raw, read_problems = _read(path)
        problems += read_problems
        target: dict[str, Any] = getattr(kb, file_name.removesuffix(".yaml"))
        for index, item in enumerate(raw):
            name = (
                str(item.get(_key(model), f"#{index + 1}"))
                if isinstance(item, dict)
                else (f"#{index + 1}")
            )
            try:
                entry = adapter.validate_python(item)
            except ValidationError as exc:
                for err in exc.errors():
                    where = ".".join(str(part) for part in err["loc"]) or "-"
                    problems.append(Problem(file_name, name, where, err["msg"]))
                continue
            code = getattr(entry, _key(model))
            if code in seen:
                problems.append(
                    Problem(file_name, code, _key(model), f"code already used in {seen[code]}")
                )
                continue
            seen[code] = file_name
            target[code] = entry
    return kb, problems


def _references(kb: KnowledgeBase) -> Iterator[tuple[str, str, str, str, tuple[str, ...]]]:
    """Yield (file, entry, field, code, allowed collections) for every cross-reference."""
    for name, entries in kb.collections():
        file_name = f"{name}.yaml"
        for code, entry in entries.items():
            for src in getattr(entry, "sources", []):
                yield file_name, code, "sources", src, ("seeds", "literature")
    for c in kb.conditions.values():
        yield "conditions.yaml", c.code, "course_rule", c.course_rule, ("course_rules",)
        for site in c.pain_sites:
            yield "conditions.yaml", c.code, "pain_sites", site, ("pain_sites",)
    for flag in kb.red_flags.values():
        yield "red_flags.yaml", flag.code, "pathology", flag.pathology, ("pathologies",)
        if flag.history is not None:
            yield "red_flags.yaml", flag.code, "history", flag.history, ("findings",)
    for path in kb.pathologies.values():
        for pre in path.prerequisites:
            yield "pathologies.yaml", path.code, "prerequisites", pre, ("red_flags",)
        if path.with_history is not None:
            redirect = path.with_history
            f = "pathologies.yaml"
            yield f, path.code, "with_history.finding", redirect.finding, ("findings",)
            yield f, path.code, "with_history.pathology", redirect.pathology, ("pathologies",)
    for ci in kb.contraindications.values():
        f = "contraindications.yaml"
        for trig in ci.triggered_by:
            yield f, ci.code, "triggered_by", trig, ("findings",)
        for p in ci.excludes.points:
            yield f, ci.code, "excludes.points", p, ("points",)
        for r in ci.excludes.regions:
            yield f, ci.code, "excludes.regions", r, ("regions",)
        for m in ci.excludes.methods:
            yield f, ci.code, "excludes.methods", m, ("methods",)
        for rm in ci.excludes.restricted_methods:
            yield f, ci.code, "excludes.restricted_methods", rm.method, ("methods",)
    for pt in kb.points.values():
        yield "points.yaml", pt.code, "region", pt.region, ("regions",)
        for ind in pt.indications:
            yield "points.yaml", pt.code, "indications", ind, ("conditions",)
    for proto in kb.protocols.values():
        for p in proto.points:
            yield "protocols.yaml", proto.code, "points", p, ("points",)
    for th in kb.thresholds.values():
        yield "thresholds.yaml", th.code, "instrument", th.instrument, ("instruments",)
    everything = tuple(name for name, _ in kb.collections())
    for q in kb.faq.values():
        for cite in q.cites:
            yield "faq.yaml", q.code, "cites", cite, everything


def _one_each(
    file_name: str, entries: dict[str, Any], field_name: str, wanted: list[str]
) -> Iterator[Problem]:
    """The engine looks entries up by this field: each value must be there exactly once."""
    seen: dict[str, str] = {}
    for code, entry in entries.items():
        value = str(getattr(entry, field_name))
        if value in seen:
            yield Problem(file_name, code, field_name, f"'{value}' is already {seen[value]}'s")
        seen[value] = code
    for value in wanted:
        if value not in seen:
            yield Problem(file_name, "-", field_name, f"no entry for '{value}'")


def _consistency(kb: KnowledgeBase) -> Iterator[Problem]:
    """What the engine assumes of the data beyond references, checked once at load."""
    yield from _one_each(
        "triage_levels.yaml", kb.triage_levels, "level", [lvl.value for lvl in s.TriageLevel]
    )
    yield from _one_each("pathways.yaml", kb.pathways, "risk", ["low", "medium", "high"])
    yield from _one_each("thresholds.yaml", kb.thresholds, "instrument", [])
    for c in kb.conditions.values():
        rule = kb.course_rules.get(c.course_rule)
        if rule is not None and not isinstance(rule, s.BlockRule):
            yield Problem(
                "conditions.yaml", c.code, "course_rule", f"'{c.course_rule}' is not a block"
            )
    for ci in kb.contraindications.values():
        # A doctor's approval lifts the 'doctor first' step and nothing else, so a finding
        # that stops all treatment whatever the doctor says cannot ask for an approval.
        if ci.excludes.whole_treatment and ci.triage == s.TriageLevel.PHYSICIAN_CLEARANCE:
            yield Problem(
                "contraindications.yaml", ci.code, "triage",
                "stops the whole treatment, which a doctor's approval does not lift: "
                "not physician_clearance",
            )  # fmt: skip


def validate(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    for file_name, entry, field_name, code, allowed in _references(kb):
        if not any(code in getattr(kb, coll) for coll in allowed):
            where = " or ".join(allowed)
            problems.append(
                Problem(file_name, entry, field_name, f"'{code}' is not defined in {where}")
            )
    return problems + list(_consistency(kb))


def load(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """Parse and validate every file; raise KnowledgeError listing all problems."""
    kb, problems = _parse(data_dir)
    problems += validate(kb)
    if problems:
        raise KnowledgeError(problems)
    kb.index  # noqa: B018 -- built here, once, not on the first intake
    return kb


@cache
def knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base, loaded once per process."""
    return load()
