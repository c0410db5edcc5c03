"""The loader fails fast, naming the file, the entry and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from acuback.knowledge.loader import DATA_DIR, KnowledgeError, load


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def rewrite(path: Path, change: object) -> None:
    entries = yaml.safe_load(path.read_text())
    change(entries)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(entries, sort_keys=False))


CAUSE = {
    "code": "test-cause",
    "label": "A cause made up for this test",
    "description": "Only exists inside the temporary copy of the data.",
    "assessment": "mechanical",
    "sources": ["000_8db77b63525bdbd8.txt"],
}


def append(path: Path, entry: dict[str, object]) -> None:
    entries = yaml.safe_load(path.read_text()) or []
    path.write_text(yaml.safe_dump([*entries, entry], sort_keys=False))


def test_shipped_knowledge_base_loads() -> None:
    kb = load()
    assert len(kb.seeds) == 5
    assert kb.literature["cherkin-2009"].year == 2009


def test_a_valid_new_entry_loads(data_copy: Path) -> None:
    append(data_copy / "causes.yaml", CAUSE)
    assert load(data_copy).causes["test-cause"].assessment == "mechanical"


def test_wrong_field_type_names_file_entry_and_field(data_copy: Path) -> None:
    def break_year(entries: list[dict[str, object]]) -> None:
        entries[0]["year"] = "long ago"

    rewrite(data_copy / "literature.yaml", break_year)
    with pytest.raises(KnowledgeError) as caught:
        load(data_copy)
    problem = caught.value.problems[0]
    assert (problem.file, problem.field) == ("literature.yaml", "year")
    assert problem.entry == "qaseem-2017-acp"


def test_unknown_source_is_reported(data_copy: Path) -> None:
    append(data_copy / "causes.yaml", {**CAUSE, "sources": ["no-such-paper-1999"]})
    with pytest.raises(KnowledgeError) as caught:
        load(data_copy)
    assert [str(p) for p in caught.value.problems] == [
        "causes.yaml: entry 'test-cause', field 'sources': "
        "'no-such-paper-1999' is not defined in seeds or literature"
    ]


def test_duplicate_code_is_reported(data_copy: Path) -> None:
    literature = yaml.safe_load((data_copy / "literature.yaml").read_text())
    append(data_copy / "literature.yaml", literature[0])
    with pytest.raises(KnowledgeError, match="code already used"):
        load(data_copy)


def test_misspelt_field_is_rejected(data_copy: Path) -> None:
    misspelt = {**CAUSE}
    misspelt["sorces"] = misspelt.pop("sources")
    append(data_copy / "causes.yaml", misspelt)
    with pytest.raises(KnowledgeError) as caught:
        load(data_copy)
    fields = {p.field for p in caught.value.problems}
    assert {"sorces", "sources"} <= fields


def test_missing_file_and_bad_yaml_are_reported(data_copy: Path) -> None:
    (data_copy / "faq.yaml").unlink()
    (data_copy / "points.yaml").write_text("- code: [unclosed\n")
    with pytest.raises(KnowledgeError) as caught:
        load(data_copy)
    messages = {(p.file, p.message.split(":")[0]) for p in caught.value.problems}
    assert ("faq.yaml", "file is missing") in messages
    assert ("points.yaml", "not valid YAML") in messages


# --- what the engine assumes of the data, checked by `acuback kb check` ---------------


def test_a_block_rule_lacking_what_the_planner_needs_is_refused(data_copy: Path) -> None:
    def drop_frequency(entries: list[dict[str, object]]) -> None:
        standard = next(e for e in entries if e["code"] == "course-standard")
        del standard["opening_per_week"]

    rewrite(data_copy / "course_rules.yaml", drop_frequency)
    with pytest.raises(KnowledgeError) as caught:
        load(data_copy)
    problem = caught.value.problems[0]
    assert (problem.entry, problem.field) == ("course-standard", "block.opening_per_week")


def test_a_condition_must_be_scheduled_by_a_block(data_copy: Path) -> None:
    def point_at_a_cap(entries: list[dict[str, object]]) -> None:
        entries[0]["course_rule"] = "cap-cms-initial"

    rewrite(data_copy / "conditions.yaml", point_at_a_cap)
    with pytest.raises(KnowledgeError, match="'cap-cms-initial' is not a block"):
        load(data_copy)


def test_a_contraindication_stopping_all_treatment_cannot_wait_for_approval(
    data_copy: Path,
) -> None:
    def ask_for_approval(entries: list[dict[str, object]]) -> None:
        exhaustion = next(e for e in entries if e["code"] == "ci-exhaustion")
        exhaustion["triage"] = "physician_clearance"

    rewrite(data_copy / "contraindications.yaml", ask_for_approval)
    with pytest.raises(KnowledgeError) as caught:
        load(data_copy)
    problem = caught.value.problems[0]
    assert (problem.entry, problem.field) == ("ci-exhaustion", "triage")
    assert "a doctor's approval does not lift" in problem.message


@pytest.mark.parametrize(
    ("file_name", "field", "words"),
    [
        ("triage_levels.yaml", "level", "is already"),
        ("pathways.yaml", "risk", "is already"),
        ("thresholds.yaml", "instrument", "is already"),
    ],
)
def test_one_entry_per_level_risk_and_instrument(
    data_copy: Path, file_name: str, field: str, words: str
) -> None:
    def duplicate_first(entries: list[dict[str, object]]) -> None:
        entries.append({**entries[0], "code": "test-duplicate"})

    rewrite(data_copy / file_name, duplicate_first)
    with pytest.raises(KnowledgeError) as caught:
        load(data_copy)
    assert any(p.field == field and words in p.message for p in caught.value.problems)


def test_a_missing_triage_level_is_reported(data_copy: Path) -> None:
    rewrite(data_copy / "triage_levels.yaml", lambda entries: entries.pop())
    with pytest.raises(KnowledgeError, match="no entry for 'proceed'"):
        load(data_copy)


def test_the_engine_names_rules_of_the_kind_it_reads() -> None:
    from acuback.clinical import codes
    from acuback.knowledge.schema import ReviewRule

    kb = load()
    for code in (codes.REVIEW_RESULTS_DUE, codes.REVIEW_LASTING_RESULTS):
        assert isinstance(kb.rule(code, ReviewRule), ReviewRule)
    with pytest.raises(KnowledgeError, match="must be a ReviewRule"):
        kb.rule(codes.CAP_CMS_EXTENSION, ReviewRule)
