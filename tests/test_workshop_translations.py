"""Workshop files' translations: both shipped workshops complete in Welsh, a declared
language that is incomplete stops start-up, and the API answers in Accept-Language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.workshop_translations import texts
from app.workshops import WorkshopFileError, load_workshop, load_workshops

WORKSHOPS = Path(__file__).resolve().parent.parent / "workshops"


@pytest.mark.parametrize("name", ["multi-agency-visioning", "partnership-health-check"])
def test_shipped_workshops_are_complete_in_welsh(name: str) -> None:
    workshop = load_workshop(WORKSHOPS / f"{name}.toml")
    assert workshop.languages == ("cy",)
    welsh = workshop.in_language("cy")
    english, cymraeg = texts(workshop), texts(welsh)
    assert english.keys() == cymraeg.keys()
    same = [k for k in english if english[k] == cymraeg[k] and not k.endswith(".short")]
    assert same == []  # every text translated (a perspective's letter may stay)
    assert [p.id for p in welsh.phases] == [p.id for p in workshop.phases]
    assert welsh.in_language("en") is welsh
    assert workshop.in_language("fr") is workshop


def _copy(tmp_path: Path) -> Path:
    for name in ("multi-agency-visioning.toml", "multi-agency-visioning.cy.toml"):
        shutil.copy(WORKSHOPS / name, tmp_path / name)
    return tmp_path


def test_a_text_left_out_is_reported_with_its_key(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    cy = folder / "multi-agency-visioning.cy.toml"
    cy.write_text(cy.read_text().replace('title = "Croeso"\n', ""), encoding="utf-8")
    with pytest.raises(WorkshopFileError, match=r"missing translation: phases\.lobby\.title"):
        load_workshops(folder)


def test_a_key_that_names_nothing_is_reported(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    cy = folder / "multi-agency-visioning.cy.toml"
    cy.write_text(cy.read_text() + '\n[phases.nowhere]\ntitle = "Dim"\n', encoding="utf-8")
    with pytest.raises(WorkshopFileError, match=r"no such text: phases\.nowhere\.title"):
        load_workshops(folder)


def test_a_declared_language_without_its_file_is_reported(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "multi-agency-visioning.cy.toml").unlink()
    with pytest.raises(WorkshopFileError, match=r"cy is declared but .*\.cy\.toml is missing"):
        load_workshops(folder)


def test_a_script_with_other_lines_is_reported(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    cy = folder / "multi-agency-visioning.cy.toml"
    text = cy.read_text().replace(
        "script = [\n  \"Diolchwch i'r grŵp.", 'script = [\n  "Un arall.",\n  "Diolchwch i\'r grŵp.'
    )
    cy.write_text(text, encoding="utf-8")
    with pytest.raises(WorkshopFileError, match=r"phases\.closed\.script: 1 lines in English"):
        load_workshops(folder)


def test_the_api_lists_workshops_in_accept_language(client: TestClient) -> None:
    welsh = client.get("/api/workshops", headers={"accept-language": "cy"}).json()
    english = client.get("/api/workshops").json()
    by_id = {w["id"]: w for w in welsh}
    visioning = by_id["multi-agency-visioning"]
    assert (visioning["language"], visioning["title"]) == (
        "cy",
        "Gweithdy gweledigaeth amlasiantaethol",
    )
    assert visioning["perspectives"][0] == {"id": "education", "label": "Addysg"}
    assert {w["language"] for w in english} == {"en"}
    assert [w["id"] for w in english] == [w["id"] for w in welsh]
    fallback = client.get("/api/workshops", headers={"accept-language": "fr"}).json()
    assert fallback == english
