"""What people wrote is not labelled with the language of the part it is printed in
(issue 17, point 7): in a bilingual document (and a one-language one), the room's title,
a statement, an objection's reason and a signer's name say "unknown" — HTML `lang=""`,
Word's and ODT's language `und`, the PDF's `/Lang (und)` — while the fixed wording
around them says the part's language."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import lxml.html  # type: ignore[import-untyped]  # (installed with python-docx)
import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from fastapi.testclient import TestClient
from odf import teletype
from odf.opendocument import load
from odf.style import Style, TextProperties
from odf.text import Span

from tests.conftest import bearer, join, make_room
from tests.web.support import post_phase

TITLE = "Ysgol Gymraeg Aberdaugleddau"
PURPOSE = "Pob plentyn yn ddiogel — every child safe"
REASON = "Dim sôn am deuluoedd"
SIGNER = "Siân Prydderch"
THEIRS = (TITLE, PURPOSE, REASON, SIGNER)


@pytest.fixture
def room(client: TestClient) -> tuple[str, str]:
    created = make_room(client, title=TITLE)
    code, fac = created["code"], created["facilitator_token"]
    person = join(client, code, SIGNER, "education")
    post_phase(client, code, fac, "purpose-agree")
    url = f"/api/rooms/{code}/statements/purpose"
    assert client.put(url, json={"text": PURPOSE}, headers=bearer(fac)).status_code == 200
    objection = {"stance": "object", "reason": "Families are not named"}
    said = client.post(f"{url}/responses", json=objection, headers=bearer(person["token"]))
    assert said.status_code == 200, said.text
    agreed = client.post(f"{url}/agree", json={"override_reason": REASON}, headers=bearer(fac))
    assert agreed.status_code == 200, agreed.text
    post_phase(client, code, fac, "document")
    sign = client.post(f"/api/rooms/{code}/document/sign", json={}, headers=bearer(person["token"]))
    assert sign.status_code in (200, 201), sign.text
    return code, fac


def document(client: TestClient, room: tuple[str, str], ext: str, lang: str) -> bytes:
    code, fac = room
    got = client.get(
        f"/api/rooms/{code}/document.{ext}", params={"lang": lang}, headers=bearer(fac)
    )
    assert got.status_code == 200, got.text
    return got.content


@pytest.mark.parametrize("lang", ["cy,en", "cy"])
def test_html_says_their_words_are_in_no_known_language(client, room, lang) -> None:
    page = lxml.html.document_fromstring(document(client, room, "html", lang))
    for text in THEIRS:
        found = page.xpath("//body//*[text()[contains(., $t)]]", t=text)
        assert found, text
        for element in found:
            assert element.get("lang") == "", (text, lxml.html.tostring(element)[:120])
    for fixed in page.xpath("//h2"):  # the parts' wording: their language, inherited
        assert fixed.get("lang") is None


def _word_languages(body: bytes) -> dict[str, set[str]]:
    """Each run's text → the languages it says (w:lang, or the document's default)."""
    word = WordDocument(io.BytesIO(body))
    runs: dict[str, set[str]] = {}
    for run in word.element.body.iter(qn("w:r")):
        text = "".join(t.text or "" for t in run.iter(qn("w:t")))
        lang = run.find(qn("w:rPr") + "/" + qn("w:lang"))
        runs.setdefault(text, set()).add(lang.get(qn("w:val")) if lang is not None else "default")
    return runs


@pytest.mark.parametrize("lang", ["cy,en", "cy"])
def test_word_says_und_for_their_words(client, room, lang) -> None:
    runs = _word_languages(document(client, room, "docx", lang))
    for text in THEIRS:
        assert runs[text] == {"und"}, (text, runs.get(text))
    if lang == "cy,en":
        assert runs["1. Datganiad o ddiben"] == {"default"}  # (the document's: cy)
        assert runs["1. Statement of purpose"] == {"en-GB"}


def _odt_spans(body: bytes) -> dict[str, set[str]]:
    """Each span's text → the language its text style says."""
    odt = load(io.BytesIO(body))
    styles: dict[str, Any] = {
        s.getAttribute("name"): s
        for holder in (odt.automaticstyles, odt.styles)
        for s in holder.getElementsByType(Style)
    }
    found: dict[str, set[str]] = {}
    for span in odt.text.getElementsByType(Span):
        style = styles[span.getAttribute("stylename")]
        said = [p.getAttribute("language") for p in style.getElementsByType(TextProperties)]
        found.setdefault(teletype.extractText(span), set()).add(next(filter(None, said), ""))
    return found


@pytest.mark.parametrize("lang", ["cy,en", "cy"])
def test_odt_says_und_for_their_words(client, room, lang) -> None:
    spans = _odt_spans(document(client, room, "odt", lang))
    for text in THEIRS:
        assert spans[text] == {"und"}, (text, spans.get(text))
    content = zipfile.ZipFile(io.BytesIO(document(client, room, "odt", lang))).read("content.xml")
    assert b'fo:language="und"' not in content.split(b"<office:body>")[1]  # (in a style)
