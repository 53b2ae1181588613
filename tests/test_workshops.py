"""Workshop definitions: the shipped file, and broken files refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.domain import registry
from app.domain.errors import Invalid
from app.domain.workshop import Workshop
from app.web.app import create_app
from app.workshops import WorkshopFileError, load_workshop, load_workshops
from tests.conftest import PHASES
from tests.support import RATE_PHASE, VALID, WORKSHOP_FILE, WORKSHOPS_DIR, refused, write

# Table 1.3, word for word (DESIGN.md).
GRID_PROMPTS = {
    "means": "In this educational setting multi-agency partnership working means …",
    "mission": "The mission statement for multi-agency partnership working in this "
    "educational setting should be …",
    "outcomes": "Together, in partnership with the educational setting, multi-agency "
    "practitioners will improve the Every Child Matters outcomes for children and young "
    "people by …",
    "effective": "In order to ensure multi-agency partnership working is effective in this "
    "educational setting and meets the agreed aims, I/we will need to …",
    "barriers": "The barriers that may prevent effective multi-agency partnership working "
    "taking place are …",
    "overcome": "These barriers can be overcome by …",
    "one-year": "By the end of one year I/we hope to have achieved through collaborative "
    "multi-agency partnership working, the following …",
}


# ------------------------------------------------------------------ the shipped file
def test_shipped_workshop_identity(workshop: Workshop) -> None:
    assert workshop.id == "multi-agency-visioning"
    assert workshop.title
    assert workshop.description
    assert workshop.description == workshop.description.strip()


def test_perspectives_in_order(workshop: Workshop) -> None:
    assert [p.id for p in workshop.perspectives] == [
        "education",
        "health",
        "social-care",
        "vcs-other",
    ]
    assert [p.label for p in workshop.perspectives] == [
        "Education",
        "Health",
        "Social Care",
        "VCS / Other",
    ]
    shorts = [p.short for p in workshop.perspectives]
    assert len(set(shorts)) == len(shorts)


def test_phases_in_contract_order(workshop: Workshop) -> None:
    assert [p.id for p in workshop.phases] == PHASES
    assert workshop.first_phase.id == "lobby"
    for phase in workshop.phases:
        assert registry.kind(phase.kind)
        assert phase.title
        assert phase.facilitator_prompt
        assert phase.participant_prompt
    kinds = {p.id: p.kind for p in workshop.phases}
    assert kinds["lobby"] == "lobby"
    assert kinds["purpose-write"] == "write-notes"
    assert kinds["purpose-sort"] == "sort-notes"
    assert kinds["purpose-agree"] == "agree"
    assert kinds["grid-write"] == "grid-write"
    assert kinds["grid-agree"] == "agree"
    assert kinds["document"] == "document"
    assert kinds["closed"] == "closed"


def test_agree_phase_targets(workshop: Workshop) -> None:
    assert workshop.phase("purpose-agree").targets == ("purpose", "goals")
    assert workshop.phase("grid-agree").targets == tuple(f"grid.{key}" for key in GRID_PROMPTS)


def test_three_notes_per_participant(workshop: Workshop) -> None:
    assert workshop.notes_per_participant == 3
    assert workshop.notes_prompt


def test_grid_rows_and_exact_prompts(workshop: Workshop) -> None:
    assert [row.key for row in workshop.grid_rows] == list(GRID_PROMPTS)
    assert {row.key: row.prompt for row in workshop.grid_rows} == GRID_PROMPTS
    assert all(row.title for row in workshop.grid_rows)
    assert workshop.grid_private is False


def test_document_sections(workshop: Workshop) -> None:
    assert workshop.document_title
    sections = {s.id: s for s in workshop.document_sections}
    assert list(sections) == ["purpose", "goals", "mission", "agreement"]
    assert sections["purpose"].sources == ("purpose",)
    assert sections["goals"].sources == ("goals",)
    assert sections["mission"].sources == ("grid.mission",)
    assert sections["agreement"].sources == (
        "grid.means",
        "grid.outcomes",
        "grid.effective",
        "grid.barriers",
        "grid.overcome",
        "grid.one-year",
    )


def test_lookups(workshop: Workshop) -> None:
    assert workshop.phase("grid-write").kind == "grid-write"
    assert workshop.phase_index("closed") == 8  # (purpose-vote, optional, after purpose-sort)
    assert workshop.perspective("health").label == "Health"
    with pytest.raises(Invalid) as phase_error:
        workshop.phase("nope")
    assert phase_error.value.code == "invalid_phase"
    assert "purpose-write" in phase_error.value.message
    with pytest.raises(Invalid) as perspective_error:
        workshop.perspective("police")
    assert perspective_error.value.code == "invalid_perspective"
    assert "vcs-other" in perspective_error.value.message


def test_load_workshops_reads_the_shipped_folder() -> None:
    workshops = load_workshops(WORKSHOPS_DIR)
    assert "multi-agency-visioning" in workshops
    assert workshops["multi-agency-visioning"] == load_workshop(WORKSHOP_FILE)


# ------------------------------------------------------------------ broken files
def test_the_template_is_valid(tmp_path: Path) -> None:
    workshop = load_workshop(write(tmp_path, VALID))
    assert workshop.id == "tiny"
    assert [p.id for p in workshop.phases] == ["lobby", "agree"]
    assert workshop.grid_private is False


def test_invalid_toml(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID + '\ntitle = "unterminated\n'))
    assert "TOML" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(VALID.encode("utf-8").replace(b"Tiny workshop", b"Caf\xe9"))
    message = refused(path)
    assert "TOML" in message


def test_missing_field(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID.replace('title = "Tiny workshop"\n', "")))
    assert "title" in message
    assert "required" in message.lower()


WRITE_PHASE = """
[[phases]]
id = "write"
kind = "write-notes"
title = "Write"
facilitator_prompt = "Ask for notes."
participant_prompt = "Write."
"""


def test_notes_are_optional_without_a_writing_phase(tmp_path: Path) -> None:
    text = VALID.replace(
        '[notes]\nper_participant = 3\nprompt = "What should the purpose be?"\n', ""
    )
    assert load_workshop(write(tmp_path, text)).notes_per_participant == 0


def test_missing_section(tmp_path: Path) -> None:
    text = VALID.replace(
        '[notes]\nper_participant = 3\nprompt = "What should the purpose be?"\n', WRITE_PHASE
    )
    message = refused(write(tmp_path, text))
    assert "[notes]" in message


def test_missing_nested_field(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID.replace('participant_prompt = "Respond."\n', "")))
    assert "participant_prompt" in message
    assert "phases" in message


def test_unknown_phase_kind(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID.replace('kind = "agree"', 'kind = "brainstorm"')))
    assert "kind" in message
    assert "brainstorm" in message
    assert "phases" in message


def test_duplicate_phase_id(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID.replace('id = "agree"', 'id = "lobby"')))
    assert "phases" in message
    assert "duplicate" in message
    assert "lobby" in message


def test_agree_target_that_does_not_exist(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID.replace('"grid.mission"]', '"grid.nowhere"]')))
    assert "targets" in message
    assert "grid.nowhere" in message
    assert "agree" in message


def test_document_source_that_does_not_exist(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID.replace('sources = ["purpose"]', 'sources = ["x"]')))
    assert "sources" in message
    assert "'x'" in message


@pytest.mark.parametrize(
    ("anchor", "field"),
    [
        ('title = "Tiny workshop"\n', "colour"),  # top level
        ('short = "H"\n', "colour"),  # in a perspective
        ("per_participant = 3\n", "colour"),  # in [notes]
    ],
)
def test_extra_unknown_key(tmp_path: Path, anchor: str, field: str) -> None:
    message = refused(write(tmp_path, VALID.replace(anchor, f'{anchor}{field} = "red"\n', 1)))
    assert field in message


def test_bad_slug(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID.replace('id = "tiny"', 'id = "Tiny Workshop"')))
    assert "id" in message


def test_notes_per_participant_range(tmp_path: Path) -> None:
    message = refused(write(tmp_path, VALID.replace("per_participant = 3", "per_participant = 0")))
    assert "per_participant" in message


def test_load_workshops_on_an_empty_dir(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="not-a-workshop.txt")
    with pytest.raises(WorkshopFileError) as caught:
        load_workshops(tmp_path)
    assert str(tmp_path) in str(caught.value)


def test_load_workshops_on_a_missing_dir(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(WorkshopFileError) as caught:
        load_workshops(missing)
    assert str(missing) in str(caught.value)


def test_load_workshops_refuses_two_files_with_one_id(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="a.toml")
    second = write(tmp_path, VALID.replace('title = "Tiny workshop"', 'title = "Copy"'), "b.toml")
    with pytest.raises(WorkshopFileError) as caught:
        load_workshops(tmp_path)
    assert str(second) in str(caught.value)
    assert "tiny" in str(caught.value)


def test_load_workshops_refuses_a_folder_with_one_broken_file(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="a.toml")
    broken = write(tmp_path, "id = ", name="b.toml")
    with pytest.raises(WorkshopFileError) as caught:
        load_workshops(tmp_path)
    assert str(broken) in str(caught.value)


def test_load_workshops_reads_several(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="a.toml")
    write(tmp_path, VALID.replace('id = "tiny"', 'id = "other"'), name="b.toml")
    assert sorted(load_workshops(tmp_path)) == ["other", "tiny"]


def test_start_up_refuses_a_broken_workshop_file(tmp_path: Path) -> None:
    workshops = tmp_path / "workshops"
    workshops.mkdir()
    broken = write(workshops, VALID.replace('kind = "agree"', 'kind = "brainstorm"'))
    settings = Settings(
        _env_file=None,
        workshops_dir=workshops,
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        broker_url="memory://",
    )
    with pytest.raises(WorkshopFileError) as caught:
        create_app(settings)
    assert str(broken) in str(caught.value)
    assert "kind" in str(caught.value)


# ------------------------------------------------------------ lines and rating phases
def test_errors_name_the_line(tmp_path: Path) -> None:
    text = VALID.replace("[notes]", RATE_PHASE.format(label="") + "\n[notes]")
    message = refused(write(tmp_path, text))
    expected = text.splitlines().index('label = ""') + 1
    assert f"line {expected}, phases.2.options.1.label" in message


def test_whole_file_rules_name_the_line_of_the_value(tmp_path: Path) -> None:
    text = VALID.replace('sources = ["purpose"]', 'sources = ["ratings.check.maybe"]')
    text = text.replace("[notes]", RATE_PHASE.format(label="No") + "\n[notes]")
    message = refused(write(tmp_path, text))
    expected = text.splitlines().index('sources = ["ratings.check.maybe"]') + 1
    assert f"line {expected}" in message
    assert "unknown source 'ratings.check.maybe'" in message


def test_a_rating_phase_loads_with_its_items_and_options(tmp_path: Path) -> None:
    text = VALID.replace("[notes]", RATE_PHASE.format(label="No") + "\n[notes]")
    text = text.replace('sources = ["purpose"]', 'sources = ["purpose", "ratings.check.no"]')
    phase = load_workshop(write(tmp_path, text)).phase("check")
    assert phase.rated
    assert [i.id for i in phase.items] == ["one"]
    assert [o.label for o in phase.options] == ["Yes", "No"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (('id = "one"\ntext = "The first item."\n', ""), "needs items"),
        (('[[phases.options]]\nid = "no"\nlabel = "No"\n', ""), "at least two options"),
        (('kind = "rate-items"', 'kind = "choose-scale"'), "needs a question"),
        (('kind = "rate-items"', 'kind = "lobby"'), "only belongs to rate-items"),
    ],
    ids=["no-items", "one-option", "scale-without-question", "items-on-a-lobby"],
)
def test_rating_phases_are_checked(tmp_path: Path, change: tuple[str, str], reason: str) -> None:
    phase = RATE_PHASE.format(label="No").replace(*change)
    if not change[1] and "[[phases.items]]" in phase and "text =" not in phase:
        phase = phase.replace("[[phases.items]]\n", "")
    message = refused(write(tmp_path, VALID.replace("[notes]", phase + "\n[notes]")))
    assert reason in message
