"""The joint document as Markdown. User text is escaped only where it would change the
meaning (a line that would start a heading, list, quote, table or code block; inline
emphasis, code, links, HTML and entities), so it stays inert and reads cleanly when
pasted into an e-mail: full stops, hyphens and brackets in sentences stay as written.
"""

from __future__ import annotations

import re

from app.domain.document import Document, Entry
from app.export import safe, words
from app.i18n import N_, Locale
from app.i18n.dates import long_date

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


SIGNATORY_HEADERS = (N_("Name"), N_("Perspective"), N_("Role and organisation"), N_("Signed"))
STATUS = {"agreed": N_("Agreed"), "draft": N_("Draft"), "missing": N_("Not agreed")}
WORDING = (N_("nothing written"), N_("merged with:"))
"""Wording said inside f-strings below (where extraction does not look)."""


def _entry(entry: Entry, _: Locale, *, with_heading: bool) -> list[str]:
    out = []
    if with_heading:
        out += [f"### {escape(_.gettext(entry.heading))}", ""]
    if entry.status == "missing":
        return [*out, f"*{_.gettext('Not agreed in this session.')}*", ""]
    if entry.status == "draft":
        out += [f"*{_.gettext('Draft — not agreed')}:*", ""]
    if entry.items is not None:
        out += [f"{n}. {escape(item)}" for n, item in enumerate(entry.items, start=1)]
    else:
        out.append(escape(entry.text or ""))
    out.append("")
    if entry.override_reason:
        said = _.gettext(
            "Agreed over an objection. Reason recorded: %(override_reason)s",
            override_reason=escape(entry.override_reason),
        )
        out += [f"*{said}*", ""]
    if entry.without_responses:
        out += [f"*{_.gettext('Agreed without responses.')}*", ""]
    return out


def _signatories(document: Document, _: Locale) -> list[str]:
    out: list[str] = []
    current, earlier = document.current_signatories, document.earlier_signatories
    if current:
        heads = [_.gettext(h) for h in SIGNATORY_HEADERS]
        out += ["| " + " | ".join(heads) + " |", "|---|---|---|---|"]
        for s in current:
            role = ", ".join(escape(x) for x in s.details) or "—"
            out.append(
                f"| {escape(s.name)} | {escape(s.perspective_label)} | {role} | "
                f"{document.local_time(s.signed_at)} |"
            )
    else:
        none = (
            _.gettext("No one has signed this version yet.")
            if earlier
            else _.gettext("No one has signed yet.")
        )
        out.append(f"*{none}*")
    if earlier:
        out += ["", f"### {_.gettext('Signed an earlier version')}", ""]
        they = _.gettext(
            "They signed before a statement changed, and have not signed this version."
        )
        out += [f"*{they}*", ""]
        out += [
            f"- {escape(s.name)} "
            + _.gettext(
                "— %(perspective_label)s, signed an earlier version (%(signed_at)s)",
                perspective_label=escape(s.perspective_label),
                signed_at=document.local_time(s.signed_at),
            )
            for s in earlier
        ]
    return out


def render(document: Document) -> str:
    document = safe.clean(document)
    _ = words(document)
    out = [f"# {escape(document.document_title)}", ""]
    out += [
        f"**{escape(document.title)}**"
        + (f" — {escape(document.setting)}" if document.setting else ""),
        "",
    ]
    out += [_.gettext("Date: %(date)s", date=long_date(document.date, document.zone, _)), ""]
    for number, section in enumerate(document.sections, start=1):
        out += [f"## {number}. {escape(section.heading)}", ""]
        if section.intro:
            out += [escape(section.intro), ""]
        many = len(section.entries) > 1
        for entry in section.entries:
            out += _entry(entry, _, with_heading=many)
    out += [f"## {_.gettext('%(number)s. Signatories', number=len(document.sections) + 1)}", ""]
    out += _signatories(document, _)
    if not document.has_appendix:
        return "\n".join(out).rstrip() + "\n"
    out += ["", f"## {_.gettext('Appendix: what fed each statement')}", ""]
    for row in document.rows:
        out += [f"### {escape(row.title)}", "", f"*{escape(row.prompt)}*", ""]
        for label, texts in row.contributions:
            nothing = f"*{_.gettext('nothing written')}*"
            joined = "; ".join(escape(t) for t in texts) if texts else nothing
            out.append(f"- **{escape(label)}:** {joined}")
        status = _.gettext(STATUS[row.statement.status])
        overall = _.gettext("Overall (%(status)s):", status=status)
        out += [f"- **{overall}** {escape(row.statement.text or '—')}", ""]
    circles = (
        (N_("Inner circle"), document.inner_notes),
        (N_("Outer circle"), document.outer_notes),
    )
    for heading, notes in circles if document.has_notes else ():
        out += [f"### {_.gettext('Task 1.1 — %(heading)s', heading=_.gettext(heading))}", ""]
        if not notes:
            out += [f"*{_.gettext('None.')}*", ""]
            continue
        for note in notes:
            merged = ""
            if note.merged_from:
                merged = (
                    f" ({_.gettext('merged with:')} "
                    + "; ".join(
                        f"“{escape(text)}” — {escape(label)}" for text, label in note.merged_from
                    )
                    + ")"
                )
            out.append(f"- {escape(note.text)} — *{escape(note.perspective_label)}*{merged}")
        out.append("")
    if document.overrides:
        out += [f"### {_.gettext('Agreed over an objection')}", ""]
        out += [
            f"- **{escape(_.gettext(e.heading))}:** {escape(e.override_reason or '')}"
            for e in document.overrides
        ]
        out.append("")
    for result in document.results:  # a phase's results (a dot-vote)
        out += [f"### {escape(result.heading)}", ""]
        out += [f"- {escape(line)}" for line in result.items or ()]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
