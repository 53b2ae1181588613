"""The joint document as Markdown. User text is escaped only where it would change the
meaning (a line that would start a heading, list, quote, table or code block; inline
emphasis, code, links, HTML and entities), so it stays inert and reads cleanly when
pasted into an e-mail: full stops, hyphens and brackets in sentences stay as written.
"""

from __future__ import annotations

import re

from app.domain.document import Document, Entry
from app.export import safe

_INLINE = re.compile(r"([\\`*_\[\]<|~])")
"""Emphasis, code, links and images ([ ]), HTML and autolinks (<), tables, strikethrough."""
_ENTITY = re.compile(r"&(?=#?\w+;)")
"""'&amp;' would print as '&': only an ampersand that starts an entity is escaped."""
_BLOCK = re.compile(
    r"^(#{1,6}(?=\s|$)|>|[-+*=](?=\s|$)|[-=_*]{2,}(?=\s*$)|(\d{1,9})([.)])(?=\s|$))"
)
"""What makes a line a heading, a quote, a list item, a thematic break or a setext underline."""


def escape(text: str) -> str:
    """Make user text inert Markdown; line breaks stay line breaks."""
    lines = []
    for raw in text.splitlines() or [""]:
        line = _ENTITY.sub("&amp;", _INLINE.sub(r"\\\1", raw.strip()))
        match = _BLOCK.match(line)
        if match:
            if match.group(2):  # "1." → "1\." : a number, not a list
                line = f"{match.group(2)}\\{match.group(3)}{line[match.end() :]}"
            else:
                line = "\\" + line
        lines.append(line)
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
    if entry.without_responses:
        out += ["*Agreed without responses.*", ""]
    return out


def _signatories(document: Document) -> list[str]:
    out: list[str] = []
    current, earlier = document.current_signatories, document.earlier_signatories
    if current:
        out += ["| Name | Perspective | Role and organisation | Signed |", "|---|---|---|---|"]
        for s in current:
            role = ", ".join(escape(x) for x in (s.role, s.organisation) if x) or "—"
            out.append(
                f"| {escape(s.name)} | {escape(s.perspective_label)} | {role} | "
                f"{document.local_time(s.signed_at)} |"
            )
    else:
        out.append(
            "*No one has signed this version yet.*" if earlier else "*No one has signed yet.*"
        )
    if earlier:
        out += ["", "### Signed an earlier version", ""]
        out += ["*They signed before a statement changed, and have not signed this version.*", ""]
        out += [
            f"- {escape(s.name)} — {escape(s.perspective_label)}, signed an earlier version "
            f"({document.local_time(s.signed_at)})"
            for s in earlier
        ]
    return out


def render(document: Document) -> str:
    document = safe.clean(document)
    out = [f"# {escape(document.document_title)}", ""]
    out += [
        f"**{escape(document.title)}**"
        + (f" — {escape(document.setting)}" if document.setting else ""),
        "",
    ]
    out += [f"Date: {document.long_date}", ""]
    for number, section in enumerate(document.sections, start=1):
        out += [f"## {number}. {escape(section.heading)}", ""]
        if section.intro:
            out += [escape(section.intro), ""]
        many = len(section.entries) > 1
        for entry in section.entries:
            out += _entry(entry, with_heading=many)
    out += [f"## {len(document.sections) + 1}. Signatories", ""]
    out += _signatories(document)
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
            merged = ""
            if note.merged_from:
                merged = (
                    " (merged with: "
                    + "; ".join(
                        f"“{escape(text)}” — {escape(label)}" for text, label in note.merged_from
                    )
                    + ")"
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
    for result in document.results:  # a phase's results (a dot-vote)
        out += [f"### {escape(result.heading)}", ""]
        out += [f"- {escape(line)}" for line in result.items or ()]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
