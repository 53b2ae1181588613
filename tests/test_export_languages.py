"""The joint document in Welsh, in English and bilingual, read back in all five formats:
fixed wording in the language asked for, people's words as they wrote them, the
language marked (HTML `lang`, the PDF's /Lang, Word's and ODT's language)."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pikepdf
import pytest
from docx import Document as WordDocument
from fastapi.testclient import TestClient
from odf import teletype
from odf.opendocument import load
from odf.style import Style, TextProperties
from odf.text import H, P
from pypdf import PdfReader

from tests.conftest import bearer, join, make_room
from tests.web.support import post_phase

PURPOSE = "Every child safe, seen and heard — Pob plentyn"


@pytest.fixture
def room(client: TestClient) -> tuple[str, str]:
    created = make_room(client, title="Ysgol Gymraeg Aberdaugleddau")
    code, fac = created["code"], created["facilitator_token"]
    person = join(client, code, "Siân Prydderch", "education")
    post_phase(client, code, fac, "purpose-agree")
    url = f"/api/rooms/{code}/statements/purpose"
    assert client.put(url, json={"text": PURPOSE}, headers=bearer(fac)).status_code == 200
    post_phase(client, code, fac, "document")
    sign = client.post(f"/api/rooms/{code}/document/sign", json={}, headers=bearer(person["token"]))
    assert sign.status_code in (200, 201), sign.text
    return code, fac


def _get(client: TestClient, room: tuple[str, str], ext: str, lang: str | None):
    code, fac = room
    params = {"lang": lang} if lang else {}
    response = client.get(f"/api/rooms/{code}/document.{ext}", params=params, headers=bearer(fac))
    assert response.status_code == 200, response.text
    return response


def _has(text: str, *parts: str) -> None:
    for part in parts:
        assert part in text, part


def _docx_text(body: bytes) -> tuple[str, str]:
    word = WordDocument(io.BytesIO(body))
    text = "\n".join(p.text for p in word.paragraphs)
    styles = zipfile.ZipFile(io.BytesIO(body)).read("word/styles.xml").decode()
    return text, styles


def _odt_text(body: bytes) -> tuple[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(body))
    return archive.read("content.xml").decode(), archive.read("meta.xml").decode()


def _pdf(body: bytes) -> tuple[str, str]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    with pikepdf.open(io.BytesIO(body)) as pdf:
        return text, str(pdf.Root.get("/Lang"))


@pytest.mark.parametrize(
    ("lang", "date", "heading", "tag"),
    [
        ("cy", "Dyddiad:", "Datganiad o ddiben", "cy"),
        ("en", "Date:", "Statement of purpose", "en-GB"),
    ],
)
def test_one_language_in_every_format(client, room, lang, date, heading, tag):
    md = _get(client, room, "md", lang)
    _has(md.text, date, heading, PURPOSE)
    html = _get(client, room, "html", lang).text
    _has(html, f'<html lang="{tag}">', heading, PURPOSE)
    text, styles = _docx_text(_get(client, room, "docx", lang).content)
    _has(text, date, heading, PURPOSE)
    assert f'w:val="{tag}"' in styles
    content, meta = _odt_text(_get(client, room, "odt", lang).content)
    _has(content, date, heading, PURPOSE)
    assert f"<dc:language>{tag}</dc:language>" in meta
    text, pdf_lang = _pdf(_get(client, room, "pdf", lang).content)
    assert heading.lower() in text.lower()
    assert pdf_lang == tag


def test_the_file_names_say_the_kind_in_the_language(client, room):
    welsh = _get(client, room, "pdf", "cy").headers["content-disposition"]
    english = _get(client, room, "pdf", "en").headers["content-disposition"]
    assert "-datganiad-ar-y-cyd-" in welsh
    assert "-joint-statement-" in english


def test_bilingual_has_both_parts_each_marked(client, room):
    html = _get(client, room, "html", "cy,en").text
    assert '<article class="doc-part" id="part-cy" lang="cy">' in html
    assert '<article class="doc-part" id="part-en-GB" lang="en-GB">' in html
    assert html.index("Datganiad o ddiben") < html.index("Statement of purpose")
    assert html.count(PURPOSE) == 2  # people's words as written, in both parts
    md = _get(client, room, "md", "cy,en").text
    _has(md, "Dyddiad:", "Date:")
    assert md.count(PURPOSE) == 2
    text, styles = _docx_text(_get(client, room, "docx", "cy,en").content)
    _has(text, "Dyddiad:", "Date:", "Datganiad o ddiben", "Statement of purpose")
    assert text.count(PURPOSE) == 2
    body = zipfile.ZipFile(io.BytesIO(_get(client, room, "docx", "cy,en").content))
    assert '<w:lang w:val="en-GB"/>' in body.read("word/document.xml").decode()
    assert 'w:val="cy"' in styles  # the first part: the document's own language
    text, pdf_lang = _pdf(_get(client, room, "pdf", "cy,en").content)
    assert "datganiad o ddiben" in text.lower()
    assert "statement of purpose" in text.lower()
    assert pdf_lang == "cy"


def _pdf_structure(body: bytes) -> tuple[list[str], list[tuple[str, str | None, int]]]:
    """The PDF's pages' text, and each structure element of its tag tree read back
    with pypdf: (its type, its language as it or an element above it says, its page)."""
    reader = PdfReader(io.BytesIO(body))
    found: list[tuple[str, str | None, int]] = []

    def walk(node, language: str | None) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid, language)
            return
        if not hasattr(node, "get") or node.get("/Type") != "/StructElem":
            return
        language = str(node["/Lang"]) if "/Lang" in node else language
        page = (reader.get_page_number(node["/Pg"]) if "/Pg" in node else None) or 0
        found.append((str(node["/S"]), language, page))
        if "/K" in node:
            walk(node["/K"], language)

    root: Any = reader.trailer["/Root"]
    walk(root["/StructTreeRoot"]["/K"], None)
    return [page.extract_text() for page in reader.pages], found


def test_bilingual_pdf_tags_each_part_with_its_language(client, room):
    texts, elements = _pdf_structure(_get(client, room, "pdf", "cy,en").content)
    parts = {(language, page) for kind, language, page in elements if kind == "/Art"}
    assert {language for language, _ in parts} == {"cy", "en-GB"}
    for language, page in parts:  # each part's pages hold its own fixed wording
        welsh = "Datganiad o ddiben" in texts[page] or "Dyddiad:" in texts[page]
        english = "Statement of purpose" in texts[page] or "Date:" in texts[page]
        if welsh or english:
            assert (language == "cy") == welsh, page
            assert (language == "en-GB") == english, page
    inside = [e for e in elements if e[0] not in ("/Document", "/Part")]
    assert inside
    # What people wrote says "und" (undetermined), not the part's language: the title
    # (each part's H1), the statements (a paragraph in each part), the signers' names.
    assert all(language in ("cy", "en-GB", "und") for _, language, _ in inside)
    theirs = [(kind, page) for kind, language, page in inside if language == "und"]
    assert [kind for kind, _ in theirs].count("/H1") == 2
    assert [kind for kind, _ in theirs].count("/P") >= 2
    headings = {(language, page) for kind, language, page in elements if kind == "/H2"}
    assert {language for language, _ in headings} == {"cy", "en-GB"}


def test_one_language_pdf_says_it_once(client, room):
    _, elements = _pdf_structure(_get(client, room, "pdf", "cy").content)
    assert elements
    # (the catalogue's /Lang says cy; only what people wrote says otherwise: "und")
    assert {language for _, language, _ in elements} == {None, "und"}
    assert all(kind != "/H2" for kind, language, _ in elements if language == "und")


def _odt_paragraphs(body: bytes) -> list[tuple[str, str]]:
    """Each paragraph and heading of an ODT as (its text, its language as its style and
    the styles above it say: `cy-GB`), read back with odfpy."""
    document = load(io.BytesIO(body))
    styles = {
        s.getAttribute("name"): s
        for holder in (document.automaticstyles, document.styles)
        for s in holder.getElementsByType(Style)
    }

    def language(name: str | None) -> str:
        while name:
            style = styles[name]
            for props in style.getElementsByType(TextProperties):
                if props.getAttribute("language"):
                    return f"{props.getAttribute('language')}-{props.getAttribute('country')}"
            name = style.getAttribute("parentstylename")
        return "none"

    return [
        (teletype.extractText(p), language(p.getAttribute("stylename")))
        for p in [*document.text.getElementsByType(P), *document.text.getElementsByType(H)]
    ]


def test_bilingual_odt_has_both_parts_each_marked(client, room):
    paragraphs = _odt_paragraphs(_get(client, room, "odt", "cy,en").content)
    said = {text: language for text, language in paragraphs}
    assert said["1. Datganiad o ddiben"] == "cy-GB"
    assert said["1. Statement of purpose"] == "en-GB"
    dates = [language for text, language in paragraphs if text.startswith(("Dyddiad:", "Date:"))]
    assert sorted(dates) == ["cy-GB", "en-GB"]
    signatories = {
        lang for text, lang in paragraphs if text.endswith(("Llofnodwyr", "Signatories"))
    }
    assert signatories == {"cy-GB", "en-GB"}
    texts = [text for text, _ in paragraphs]
    assert texts.count(PURPOSE) == 2  # people's words as they wrote them, once in each part
    assert texts.index("1. Datganiad o ddiben") < texts.index("1. Statement of purpose")
    assert "Siân Prydderch" in texts  # the signatories' table, in both parts
    assert texts.count("Siân Prydderch") == 2
    assert {language for _, language in paragraphs} == {"cy-GB", "en-GB"}


def test_one_language_odt_says_its_region(client, room):
    paragraphs = _odt_paragraphs(_get(client, room, "odt", "cy").content)
    assert {language for _, language in paragraphs} == {"cy-GB"}


def test_without_lang_the_rooms_language(client, room):
    client.cookies.set("lang", "cy")  # the reader's choice does not change the room's
    assert "Date:" in _get(client, room, "md", None).text
    welsh = client.post(
        "/api/rooms", json={"title": "Ysgol"}, headers={"accept-language": "cy"}
    ).json()
    assert (
        client.get(
            f"/api/rooms/{welsh['code']}", headers=bearer(welsh["facilitator_token"])
        ).json()["options"]["language"]
        == "cy"
    )
    assert "Dyddiad:" in _get(client, (welsh["code"], welsh["facilitator_token"]), "md", None).text
    chosen = client.post("/api/rooms", json={"title": "Ysgol", "language": "cy"}).json()
    assert (
        "Dyddiad:" in _get(client, (chosen["code"], chosen["facilitator_token"]), "md", None).text
    )


def test_a_room_in_a_language_we_do_not_have_is_refused(client):
    response = client.post("/api/rooms", json={"title": "Ysgol", "language": "fr"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_language"


@pytest.mark.parametrize(
    ("ext", "lang"),
    [
        ("md", "fr"),
        ("md", "cy,cy"),
        ("md", "en-XA"),
        ("odt", "en,fr"),
        ("pdf", "cy,en,cy"),
        ("md", ""),
    ],
)
def test_a_language_we_cannot_write_is_refused(client, room, ext, lang):
    code, fac = room
    response = client.get(
        f"/api/rooms/{code}/document.{ext}", params={"lang": lang}, headers=bearer(fac)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_lang"


def test_bilingual_html_has_each_id_once(client, room):
    html = _get(client, room, "html", "cy,en").text
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert {"part-cy", "part-en-GB", "cy-doc-purpose", "en-GB-doc-purpose"} <= set(ids)
    single = _get(client, room, "html", "cy").text
    assert 'id="doc-purpose"' in single  # one language: the ids as the live pages have them
