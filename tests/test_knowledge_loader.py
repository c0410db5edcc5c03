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
