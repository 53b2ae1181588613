"""Lay Post-its out in the inner and outer circles of the board, without overlap.

The board is an SVG (positions are attributes, so no inline styles are needed
under the Content-Security-Policy). Notes sit on a grid of equal cells: the
inner circle's notes in cells wholly inside the inner ellipse, the outer
circle's in cells wholly between the two. Cells shrink until every note fits,
and the text size follows the cell size and the text's length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

WIDTH, HEIGHT = 2000, 1000
CX, CY = WIDTH / 2, HEIGHT / 2
OUTER = (985.0, 492.0)
INNER = (735.0, 352.0)
ASPECT = 1.55
GAP = 6.0


@dataclass(frozen=True, slots=True)
class Placed(Generic[T]):
    """A note and its box in SVG units, with a text-size class (1 = largest)."""

    item: T
    x: float
    y: float
    width: float
    height: float
    size: int


def _half_width(radii: tuple[float, float], y_top: float, y_bottom: float) -> float:
    """Half the ellipse's width over the whole band y_top…y_bottom (0 if it misses)."""
    rx, ry = radii
    worst = max(abs(y_top - CY), abs(y_bottom - CY))
    if worst >= ry:
        return 0.0
    return rx * math.sqrt(1 - (worst / ry) ** 2)


def _fill(left: float, right: float, width: float) -> list[float]:
    """x positions of as many cells as fit in [left, right], centred there."""
    count = int((right - left + GAP) // (width + GAP))
    if count <= 0:
        return []
    used = count * width + (count - 1) * GAP
    start = left + (right - left - used) / 2
    return [start + i * (width + GAP) for i in range(count)]


def _cells(width: float, inner: bool) -> list[tuple[float, float]]:
    """Top-left corners of cells filling the inner ellipse, or the ring around it.

    Rows of cells are stacked about the centre; each row holds as many cells as
    the ellipse (or, for the ring, the parts of the row outside the inner
    ellipse) allows over the row's full height.
    """
    height = width / ASPECT
    outer_radii = INNER if inner else OUTER
    rows = int((2 * outer_radii[1] + GAP) // (height + GAP))
    top = CY - (rows * height + (rows - 1) * GAP) / 2
    found: list[tuple[float, float]] = []
    for row in range(rows):
        y = top + row * (height + GAP)
        half = _half_width(outer_radii, y, y + height)
        if half <= 0:
            continue
        if inner:
            xs = _fill(CX - half, CX + half, width)
        else:
            hole = _half_width(INNER, y - GAP, y + height + GAP)
            # the row misses the inner ellipse only if no point of it is inside
            misses = y > CY + INNER[1] + GAP or y + height < CY - INNER[1] - GAP
            if misses:
                xs = _fill(CX - half, CX + half, width)
            else:
                reach = INNER[0] if hole == 0 else max(hole, _reach(y, height)) + GAP
                xs = _fill(CX - half, CX - reach, width) + _fill(CX + reach, CX + half, width)
        found.extend((x, y) for x in xs)
    if inner:
        found.sort(key=lambda p: (p[1] + height / 2 - CY) ** 2 + (p[0] + width / 2 - CX) ** 2)
    else:
        found.sort(key=lambda p: math.atan2(p[1] + height / 2 - CY, p[0] + width / 2 - CX))
    return found


def _reach(y: float, height: float) -> float:
    """The inner ellipse's widest half-width anywhere within the band y…y+height."""
    rx, ry = INNER
    nearest = min(abs(y - CY), abs(y + height - CY)) if not (y <= CY <= y + height) else 0.0
    if nearest >= ry:
        return 0.0
    return rx * math.sqrt(1 - (nearest / ry) ** 2)


FONT_SIZES = (40, 33, 27, 22, 18, 14)


def _size_class(width: float, height: float, text_length: int) -> int:
    """1 (largest) … 6 (smallest): the largest font whose wrapped lines fit the box.

    Estimates a character as 0.6 em wide, a line as 1.15 em, and keeps a
    row for the perspective letter; wrapping at word ends wastes up to ~28 %.
    """
    for size, font in enumerate(FONT_SIZES, start=1):
        padding = 22 if size < 5 else 14
        per_line = (width - padding) / (0.6 * font)
        lines = math.floor((height - padding - font) / (1.15 * font))
        if lines >= 1 and lines * per_line * 0.75 >= text_length:
            return size
    return len(FONT_SIZES)


def place(items: list[T], texts: list[str], *, inner: bool) -> list[Placed[T]]:
    """Boxes for `items` (with their texts) in the inner circle or the outer ring."""
    if not items:
        return []
    width = 380.0 if inner else 240.0
    cells = _cells(width, inner)
    while len(cells) < len(items) and width > 40:
        width *= 0.95
        cells = _cells(width, inner)
    height = width / ASPECT
    placed = []
    for index, (item, text) in enumerate(zip(items, texts, strict=True)):
        if index < len(cells):
            x, y = cells[index]
        else:  # beyond what fits: stack in the corner rather than lose the note
            x, y = GAP + (index % 10) * (width / 3), GAP + (index // 10) * (height / 3)
        placed.append(Placed(item, x, y, width, height, _size_class(width, height, len(text))))
    return placed
