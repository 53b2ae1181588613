"""The joint document as Markdown; user text is escaped so it cannot add structure."""

from __future__ import annotations

import re

from app.domain.document import Document, Entry

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&=])")


def escape(text: str) -> str:
    """Backslash-escape Markdown syntax; line breaks stay line breaks."""
    lines = [_SPECIAL.sub(r"\\\1", line.strip()) for line in text.splitlines() or [""]]
    return "  \n".join(lines)


def _entry(entry: Entry, *, with_heading: bool) -> list[str]:
    out = []
    if with_heading:
        out += [f"### {escape(entry.heading)}", ""]
    if entry.status == "missing":
        return [*out, "*Not agreed in this session.*", ""]
    if entry.status == "draft":
        out += ["*Draft — not agreed:*", ""]
    if entry.items is not None:
        out += [f"{n}. {escape(item)}" for n, item in enumerate(entry.items, start=1)]
    else:
        out.append(escape(entry.text or ""))
    out.append("")
    if entry.override_reason:
        out += [f"*Agreed over an objection. Reason recorded: {escape(entry.override_reason)}*", ""]
    return out


def render(document: Document) -> str:
    out = [f"# {escape(document.document_title)}", ""]
    out += [
        f"**{escape(document.title)}**"
        + (f" — {escape(document.setting)}" if document.setting else ""),
        "",
    ]
    out += [f"Date: {document.date.date().isoformat()}", ""]
    for number, section in enumerate(document.sections, start=1):
        out += [f"## {number}. {escape(section.heading)}", ""]
        if section.intro:
            out += [escape(section.intro), ""]
        many = len(section.entries) > 1
        for entry in section.entries:
            out += _entry(entry, with_heading=many)
    out += [f"## {len(document.sections) + 1}. Signatories", ""]
    if document.signatories:
        out += ["| Name | Perspective | Signed (UTC) |", "|---|---|---|"]
        out += [
            f"| {escape(s.name)} | {escape(s.perspective_label)} | {s.signed_at:%Y-%m-%d %H:%M} |"
            for s in document.signatories
        ]
    else:
        out.append("*No one has signed yet.*")
    if not document.has_appendix:
        return "\n".join(out).rstrip() + "\n"
    out += ["", "## Appendix: what fed each statement", ""]
    for row in document.rows:
        out += [f"### {escape(row.title)}", "", f"*{escape(row.prompt)}*", ""]
        for label, texts in row.contributions:
            joined = "; ".join(escape(t) for t in texts) if texts else "*nothing written*"
            out.append(f"- **{escape(label)}:** {joined}")
        status = {"agreed": "Agreed", "draft": "Draft", "missing": "Not agreed"}[
            row.statement.status
        ]
        out += [f"- **Overall ({status}):** {escape(row.statement.text or '—')}", ""]
    circles = (("Inner circle", document.inner_notes), ("Outer circle", document.outer_notes))
    for heading, notes in circles if document.has_notes else ():
        out += [f"### Task 1.1 — {heading}", ""]
        if not notes:
            out += ["*None.*", ""]
            continue
        for note in notes:
            merged = (
                f" (merged with: {'; '.join(escape(m) for m in note.merged)})"
                if note.merged
                else ""
            )
            out.append(f"- {escape(note.text)} — *{escape(note.perspective_label)}*{merged}")
        out.append("")
    if document.overrides:
        out += ["### Agreed over an objection", ""]
        out += [
            f"- **{escape(e.heading)}:** {escape(e.override_reason or '')}"
            for e in document.overrides
        ]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
