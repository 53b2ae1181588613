"""The board's picture: SVG drawn by the server from the final state (the circles with
their Post-its, Table 1.3's coverage), parsed back as XML; every text escaped; its
title and description (the alt text) list what is in each circle; the PNG a real
image of the same drawing."""

from __future__ import annotations

import dataclasses
import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from app.domain import document
from app.domain.document import Document, TracedNote
from app.domain.workshop import Workshop
from app.export import board
from tests.export_support import SHOTS_DIR, agreed_room

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert(1)</script><a href="javascript:x">&amp;'


@pytest.fixture(scope="module")
def doc(workshop: Workshop) -> Document:
    room = agreed_room(workshop)
    return document.build(room, today=room.created_at)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.removeprefix('<?xml version="1.0" encoding="UTF-8"?>\n'))


def all_text(root: ET.Element) -> list[str]:
    return [" ".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_the_svg_is_well_formed_with_a_title_and_description(doc: Document) -> None:
    svg = board.svg(doc, standalone=True)
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "board-title board-desc"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.text == "The board as it ended — Oakfield partnership"
    assert desc.text == board.description(doc)
    assert desc.text.startswith(
        "Inner circle, 1 statement: “Keep <em>children</em> safe” (Health)."
    )
    assert "Outer circle, 1 statement: “Fewer meetings” (Education)." in desc.text
    assert "Mission statement: Education 1, Health 1, Social Care 0, VCS / Other 0" in desc.text


def test_the_circles_hold_their_notes(doc: Document) -> None:
    root = parse(board.svg(doc))
    circles = root.findall(f"{SVG}circle")
    assert len(circles) == 2
    assert [c.get("r") for c in circles] == [str(board.OUTER_R), str(board.INNER_R)]
    texts = " ".join(all_text(root))
    assert "Inner circle · 1" in texts
    assert "Outer circle · 1" in texts
    assert "Fewer meetings" in texts
    notes = root.findall(f".//{SVG}g[@class='note']")
    assert len(notes) == 2
    # The inner note sits inside the inner circle; the outer one in the ring.
    for group, inside in zip(notes, (True, False), strict=True):
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        x = float(rect.get("x", 0)) + float(rect.get("width", 0)) / 2
        y = float(rect.get("y", 0)) + float(rect.get("height", 0)) / 2
        distance = ((x - board.CENTRE) ** 2 + (y - board.CENTRE) ** 2) ** 0.5
        assert (distance < board.INNER_R) is inside, distance


def test_hostile_text_stays_text(doc: Document) -> None:
    sneaky = TracedNote(HOSTILE, "Health", perspective="health")
    svg = board.svg(dataclasses.replace(doc, inner_notes=(sneaky,) * 3, title=HOSTILE))
    root = parse(svg)
    assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}a", "script")]
    assert "<script" not in svg
    texts = "".join(all_text(root))
    assert "<script>alert(1)" in texts.replace("…", "")[:400] or "</text>" in texts
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == f"The board as it ended — {HOSTILE}"


def test_many_notes_fit_the_circles(doc: Document) -> None:
    inner = tuple(
        TracedNote(
            f"Statement number {n} about sharing information early", "Health", perspective="health"
        )
        for n in range(40)
    )
    outer = tuple(TracedNote(f"Outer {n}", "Education", perspective="education") for n in range(30))
    root = parse(board.svg(dataclasses.replace(doc, inner_notes=inner, outer_notes=outer)))
    rects = [g.find(f"{SVG}rect") for g in root.findall(f".//{SVG}g[@class='note']")]
    assert len(rects) == 70
    boxes = []
    for rect in rects:
        assert rect is not None
        x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
        side = float(rect.get("width", 0))
        assert side > 20
        assert x >= 0
        assert x + side <= board.WIDTH
        boxes.append((x, y, side))
    for n, (x1, y1, s1) in enumerate(boxes):  # no two Post-its overlap
        for x2, y2, s2 in boxes[n + 1 :]:
            assert x1 + s1 <= x2 or x2 + s2 <= x1 or y1 + s1 <= y2 or y2 + s2 <= y1


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("Keep children safe", ["Keep children", "safe"]),
        ("partnership", ["partnership"]),
        ("a" * 40, ["a" * 14, "a" * 14, "aaaaaaaaaaaa"]),
    ],
)
def test_wrap(text: str, lines: list[str]) -> None:
    wrapped = board.wrap(text, 10, 80, 3)
    assert len(wrapped) <= 3
    assert "".join(w.replace("…", "") for w in wrapped).replace(" ", "") in text.replace(" ", "")


def test_the_png_is_the_same_drawing(doc: Document) -> None:
    svg = board.svg(doc, standalone=True)
    png = board.png(svg)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    width, height = board.svg_size(svg)
    assert image.size[0] == pytest.approx(width * 1.5, rel=0.02)
    assert image.size[1] == pytest.approx(height * 1.5, rel=0.02)
    assert board.pixel_size(png) == image.size
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50  # drawn, not blank
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    (SHOTS_DIR / "board.png").write_bytes(png)
    (SHOTS_DIR / "board.svg").write_text(svg, encoding="utf-8")


def test_a_workshop_without_notes_draws_only_the_grid(doc: Document) -> None:
    plain = dataclasses.replace(doc, has_notes=False)
    root = parse(board.svg(plain))
    assert root.findall(f"{SVG}circle") == []
    assert "Inner circle" not in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
