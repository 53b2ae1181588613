"""A picture of the board as it ended: Task 1.1's inner and outer circles with their
Post-its, and Table 1.3's coverage (contributions per row and perspective), drawn as
SVG from the document; PNG rendered from the same SVG.

Every text is escaped; the SVG has a <title> and a <desc> that list what is in each
circle (the same words are the alt text wherever the picture is placed).
"""

from __future__ import annotations

import io
import math
import unicodedata
from xml.sax.saxutils import escape, quoteattr

from app.domain.document import Document, TracedNote
from app.export import safe, words

WIDTH = 1200
CENTRE = 600
OUTER_R = 560
INNER_R = 330
FONT = "Noto Sans, Noto Sans CJK SC, Noto Sans Arabic, Noto Sans Hebrew, DejaVu Sans, sans-serif"
COLOURS = {  # the board's perspective colours (app.css), strong and soft
    "education": ("#0072b2", "#e3f0f8"),
    "health": ("#009e73", "#e0f4ee"),
    "social-care": ("#d55e00", "#fbeadf"),
    "vcs-other": ("#cc79a7", "#f8ebf2"),
}
OTHER = ("#55606b", "#eef0f2")
ROW_H = 34


def _colour(perspective: str, index: int) -> tuple[str, str]:
    if perspective in COLOURS:
        return COLOURS[perspective]
    spare = list(COLOURS.values())
    return spare[index % len(spare)] if index >= 0 else OTHER


def _width(ch: str) -> float:
    """A character's advance in ems, roughly: wide for CJK and emoji."""
    if unicodedata.east_asian_width(ch) in ("W", "F") or ord(ch) > 0x1F000:
        return 1.0
    return 0.56


def wrap(text: str, size: float, width: float, lines: int) -> list[str]:
    """`text` broken into at most `lines` lines of `width` px at `size` px (… if cut)."""
    words = " ".join(text.split()).split(" ")
    out: list[str] = []
    line = ""
    limit = width / size

    def fits(candidate: str) -> bool:
        return sum(_width(c) for c in candidate) <= limit

    for word in words:
        candidate = f"{line} {word}".strip()
        if fits(candidate):
            line = candidate
            continue
        if line:
            out.append(line)
        line = word
        while not fits(line):  # a long word (or CJK text): break it by characters
            cut = len(line)
            while cut > 1 and not fits(line[:cut]):
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while last and not fits(last + "…"):
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out


def _card(note: TracedNote, x: float, y: float, side: float, index: int) -> str:
    strong, soft = _colour(note.perspective, index)
    size = max(9.0, min(16.0, side / 7.5))
    pad = side * 0.08
    lines = wrap(
        note.text, size, side - 2 * pad, max(1, int((side - 2 * pad - size) / (size * 1.25)))
    )
    tspans = "".join(
        f'<tspan x="{x + pad:.1f}" dy="{size * 1.25 if n else size:.1f}">{escape(t)}</tspan>'
        for n, t in enumerate(lines)
    )
    merged = f" +{len(note.merged)}" if note.merged else ""
    return (
        f'<g class="note"><rect x="{x:.1f}" y="{y:.1f}" width="{side:.1f}" height="{side:.1f}" '
        f'rx="4" fill="{soft}" stroke="{strong}" stroke-width="2"/>'
        f'<rect x="{x:.1f}" y="{y + side - 5:.1f}" width="{side:.1f}" height="5" fill="{strong}"/>'
        f'<text y="{y + pad:.1f}" font-size="{size:.1f}" fill="#17202b">{tspans}</text>'
        + (
            f'<text x="{x + side - pad:.1f}" y="{y + side - 9:.1f}" font-size="{size * 0.8:.1f}" '
            f'text-anchor="end" fill="#4a5563">{escape(merged)}</text>'
            if merged
            else ""
        )
        + "</g>"
    )


def _inner(notes: tuple[TracedNote, ...], index: dict[str, int]) -> list[str]:
    if not notes:
        return []
    cols = math.ceil(math.sqrt(len(notes)))
    rows = math.ceil(len(notes) / cols)
    box = INNER_R * math.sqrt(2) * 0.96
    gap = box * 0.03
    side = min((box - gap * (cols - 1)) / cols, (box - gap * (rows - 1)) / rows, 150.0)
    total_w = cols * side + (cols - 1) * gap
    total_h = rows * side + (rows - 1) * gap
    out = []
    for n, note in enumerate(notes):
        row, col = divmod(n, cols)
        in_row = min(cols, len(notes) - row * cols)
        row_w = in_row * side + (in_row - 1) * gap
        x = CENTRE - total_w / 2 + (total_w - row_w) / 2 + col * (side + gap)
        y = CENTRE - total_h / 2 + row * (side + gap)
        out.append(_card(note, x, y, side, index.get(note.perspective, -1)))
    return out


def _outer(notes: tuple[TracedNote, ...], index: dict[str, int]) -> list[str]:
    if not notes:
        return []
    band = OUTER_R - INNER_R
    rings = 1 if len(notes) <= 16 else 2
    per_ring = math.ceil(len(notes) / rings)
    out = []
    for n, note in enumerate(notes):
        ring, place = divmod(n, per_ring)
        count = min(per_ring, len(notes) - ring * per_ring)
        radius = INNER_R + band * ((ring + 0.5) / rings)
        spacing = 2 * math.pi * radius / max(count, 1)
        side = min(band / rings * 0.62, spacing * 0.62, 120.0)  # clear of both circles
        angle = -math.pi / 2 + 2 * math.pi * (place + 0.5 * ring) / count
        x = CENTRE + radius * math.cos(angle) - side / 2
        y = CENTRE + radius * math.sin(angle) - side / 2
        out.append(_card(note, x, y, side, index.get(note.perspective, -1)))
    return out


def description(document: Document) -> str:
    """The picture in words (its alt text), in the document's language: what is in each
    circle (the notes as their people wrote them), and the grid."""
    say = words(document)

    def listed(heading: str, notes: tuple[TracedNote, ...]) -> str:
        said = "; ".join(f"“{n.text}” ({n.perspective_label})" for n in notes)
        count = say.ngettext("%(num)s statement", "%(num)s statements", len(notes))
        return say.gettext(
            "%(circle)s, %(count)s: %(notes)s.",
            circle=say.gettext(heading),
            count=count,
            notes=said or say.gettext("nothing"),
        )

    parts = []
    if document.has_notes:
        parts.append(listed("Inner circle", document.inner_notes))
        parts.append(listed("Outer circle", document.outer_notes))
    if document.rows:
        cells = []
        for row in document.rows:
            counts = ", ".join(f"{label} {len(texts)}" for label, texts in row.contributions)
            cells.append(f"{row.title}: {counts}")
        parts.append(
            say.gettext(
                "Table 1.3, contributions per row and perspective — %(cells)s.",
                cells="; ".join(cells),
            )
        )
    return " ".join(parts) or say.gettext("The board was empty.")


def title(document: Document) -> str:
    return words(document).gettext("The board as it ended — %(title)s", title=document.title)


def svg(document: Document, *, standalone: bool = False) -> str:
    """The picture as SVG text (`standalone`: with the XML declaration, for a file)."""
    document = safe.clean(document)
    index = {pid: n for n, (pid, _) in enumerate(document.perspectives)}
    say = words(document)
    inner = escape(f"{say.gettext('Inner circle')} · {len(document.inner_notes)}")
    outer = escape(f"{say.gettext('Outer circle')} · {len(document.outer_notes)}")
    body: list[str] = []
    height = 60
    if document.has_notes:
        body.append(
            f'<circle cx="{CENTRE}" cy="{CENTRE}" r="{OUTER_R}" fill="#faf7f0" stroke="#8a7f6b" '
            f'stroke-width="3"/><circle cx="{CENTRE}" cy="{CENTRE}" r="{INNER_R}" fill="#fff" '
            f'stroke="#1f3a5f" stroke-width="4"/>'
            f'<text x="{CENTRE}" y="{CENTRE - INNER_R + 30}" text-anchor="middle" font-size="20" '
            f'font-weight="700" fill="#1f3a5f">{inner}</text>'
            f'<text x="{CENTRE}" y="{CENTRE - OUTER_R + 30}" text-anchor="middle" font-size="20" '
            f'font-weight="700" fill="#6b5a3a">{outer}</text>'
        )
        body += _inner(document.inner_notes, index)
        body += _outer(document.outer_notes, index)
        height = CENTRE + OUTER_R + 20
    y = height
    if document.perspectives:
        x = 40.0
        for pid, label in document.perspectives:
            strong, soft = _colour(pid, index[pid])
            body.append(
                f'<rect x="{x:.0f}" y="{y + 10}" width="22" height="22" rx="3" fill="{soft}" '
                f'stroke="{strong}" stroke-width="2"/><text x="{x + 30:.0f}" y="{y + 27}" '
                f'font-size="17" fill="#17202b">{escape(label)}</text>'
            )
            x += 60 + sum(_width(c) for c in label) * 17
        y += 50
    if document.rows:
        body += _grid(document, y, index)
        y += 50 + ROW_H * (len(document.rows) + 1)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    return (
        f'{head}<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y + 10}" '
        f'width="{WIDTH}" height="{y + 10}" role="img" aria-labelledby="board-title board-desc" '
        f"xml:lang={quoteattr(document.language)} "
        f"font-family={quoteattr(FONT)}>"
        f'<title id="board-title">{escape(title(document))}</title>'
        f'<desc id="board-desc">{escape(description(document))}</desc>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def _grid(document: Document, top: float, index: dict[str, int]) -> list[str]:
    labels = [label for label, _ in document.rows[0].contributions]
    heading = escape(words(document).gettext("Table 1.3 — contributions per row and perspective"))
    first = 330.0
    cell = (WIDTH - 40 - first) / max(len(labels), 1)
    out = [
        f'<text x="40" y="{top + 24}" font-size="20" font-weight="700" fill="#1f3a5f">'
        f"{heading}</text>"
    ]
    head = top + 40
    for n, label in enumerate(labels):
        pid = document.perspectives[n][0] if n < len(document.perspectives) else ""
        strong, _ = _colour(pid, index.get(pid, -1))
        out.append(
            f'<text x="{first + cell * (n + 0.5):.1f}" y="{head + 22}" text-anchor="middle" '
            f'font-size="15" font-weight="700" fill="#17202b">{escape(label)}</text>'
        )
    most = max((len(t) for r in document.rows for _, t in r.contributions), default=0) or 1
    for r, row in enumerate(document.rows, start=1):
        y = head + ROW_H * r
        name = wrap(row.title, 15, first - 50, 1)[0]
        out.append(f'<text x="40" y="{y + 22}" font-size="15" fill="#17202b">{escape(name)}</text>')
        for n, (_, texts) in enumerate(row.contributions):
            pid = document.perspectives[n][0] if n < len(document.perspectives) else ""
            strong, soft = _colour(pid, index.get(pid, -1))
            shade = 0.15 + 0.45 * len(texts) / most if texts else 0
            fill = strong if texts else "#ffffff"
            out.append(
                f'<rect x="{first + cell * n + 4:.1f}" y="{y + 3}" width="{cell - 8:.1f}" '
                f'height="{ROW_H - 6}" rx="3" fill="{fill}" fill-opacity="{shade:.2f}" '
                f'stroke="{strong}" stroke-width="1.5"/>'
                f'<text x="{first + cell * (n + 0.5):.1f}" y="{y + 23}" text-anchor="middle" '
                f'font-size="15" fill="#17202b">{len(texts) if texts else "—"}</text>'
            )
            del soft
    return out


def png(svg_text: str) -> bytes:
    """The SVG drawn to PNG: WeasyPrint lays it on a page the picture's size (with the
    app's fonts), PDFium rasterises it."""
    import pypdfium2
    from weasyprint import HTML

    start = svg_text.index("<svg")
    width, height = svg_size(svg_text)
    page = (
        f"<html><head><style>@page {{ size: {width}px {height}px; margin: 0 }} "
        f"body {{ margin: 0 }} svg {{ display: block }}</style></head><body>"
        f"{svg_text[start:]}</body></html>"
    )
    pdf = HTML(string=page).write_pdf()
    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=96 / 72 * 1.5)
        image = bitmap.to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()


def svg_size(svg_text: str) -> tuple[int, int]:
    head = svg_text[svg_text.index("<svg") : svg_text.index(">", svg_text.index("<svg"))]
    view = head.split('viewBox="', 1)[1].split('"', 1)[0].split()
    return int(float(view[2])), int(float(view[3]))


def pixel_size(png_bytes: bytes) -> tuple[int, int]:
    """A PNG's width and height (from its IHDR chunk)."""
    return int.from_bytes(png_bytes[16:20], "big"), int.from_bytes(png_bytes[20:24], "big")
