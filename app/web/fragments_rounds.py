"""The elements issue 18's parts are shown by: a dot-vote's count, its revealed ranking
and one's own dots; people without a phone in the control view's lists and forms."""

from __future__ import annotations

from typing import Any

from app.domain import votes
from app.domain.registry import Part
from app.domain.room import Participant
from app.web.scene import Render, Scene, remove


def vote_count(prefix: str) -> Render:
    """How many have placed their dots (the same on every screen of `prefix`'s page)."""

    def render(scene: Scene, part: Part) -> str:
        voters = len(votes.voters(scene.room, part.key))
        return scene.render("vote_count", vote={"voters": voters}, page_prefix=prefix)

    return render


def vote_panel(prefix: str) -> Render:
    """The reveal: the page's vote panel with its ranking's list, which the top notes
    then join one update each (`vote_result`)."""

    def render(scene: Scene, part: Part) -> str:
        return scene.render_full(f"{prefix}_vote", results_later=True)

    return render


def vote_result(prefix: str) -> Render:
    """One of the top notes in the revealed ranking (and, on the control view, among the
    material for the purpose and goals)."""

    def render(scene: Scene, part: Part) -> str:
        vote = scene.context()["votes_here"]
        if vote is None:
            return ""
        return _rows(scene, prefix, vote, {part.key}, {part.key})

    return render


def _rows(scene: Scene, prefix: str, vote: dict[str, Any], ranked: set[str], top: set[str]) -> str:
    """The rows of the ranking for the notes `ranked`, and (on the control view) of the
    top notes for the notes `top`."""
    html = [
        scene.render_full("vote_result", t=t, vote=vote, page_prefix=prefix)
        for t in vote["tally"]
        if t.note_id in ranked
    ]
    if prefix == "control":
        html += [
            scene.render_full("control_vote_top", t=t) for t in vote["top"] if t.note_id in top
        ]
    return "".join(html)


def dots_gone(prefix: str) -> Render:
    """A voter removed during the vote: the count without them and, once revealed, the
    ranking without their dots. Each row is placed by its own dots (`Tally.order`), so only
    the rows of the notes they dotted change; those that fell out of a list go, and notes
    may come in at its end (only their notes can fall: everyone else's dots stay)."""
    count = vote_count(prefix)

    def render(scene: Scene, part: Part) -> str:
        room = scene.room
        phase = room.current_phase
        html = count(scene, Part("votes", phase.id))
        vote = scene.context()["votes_here"]
        theirs = set(room.votes.get(phase.id, {}).get(part.key, ()))
        if vote is None or not vote["revealed"] or not theirs:
            return html
        lists = [(f"{prefix}-vote", vote["tally"])]
        if prefix == "control":
            lists.append(("control-top", vote["top"]))
        gone: list[str] = []
        changed: list[set[str]] = []
        for name, shown in lists:
            ids = [t.note_id for t in shown]
            out = sorted(theirs - set(ids))  # (fallen out of it, or never in it)
            gone += [f"{name}-{n}" for n in out]
            # Whatever came in is behind every note of the list they did not dot: among
            # its last len(theirs).
            came = ids[-len(theirs) :] if out else []
            changed.append((theirs & set(ids)) | set(came))
        html += remove(*gone) if gone else ""
        return html + _rows(scene, prefix, vote, changed[0], changed[1] if lists[1:] else set())

    return render


def my_dots(scene: Scene, part: Part) -> str:
    """A phone's own count of dots (its form keeps what the person ticked)."""
    mine = votes.allocation(scene.room, part.key, scene.me.id) if scene.me else ()
    return scene.render("phone_my_dots", vote={"mine": list(mine)})


def proxy_list(scene: Scene, part: Part) -> str:
    """Someone without a phone added or removed: their line in the control view's list and
    their name in the form that enters for them, keyed (the others stay as they are)."""
    room = scene.room
    person = room.participants.get(part.key)
    if person is not None and not person.proxy:
        return ""
    proxies = [p for p in room.participants.values() if p.proxy]
    hint = scene.render("control_proxy_hint", proxies=proxies) if len(proxies) < 2 else ""
    if person is None:  # (removed: whoever they were)
        return hint + remove(f"proxy-{part.key}", f"enter-who-{part.key}", f"vote-who-{part.key}")
    order = proxies.index(person) + 1
    html = hint + scene.render("control_proxy_item", person=person, order=order)
    kind = room.current_phase.traits.partial
    if kind in ENTERED_IN:
        html += scene.render("control_enter_who", person=person, order=order)
    elif kind == votes.VOTE_NOTES.name:
        html += _vote_who(scene, person, order)
    return html


ENTERED_IN = ("write-notes", "grid-write", "agree", "document")
"""The phases whose entries for them are made in the toolkit's form
(`parts/control_enter_for.html`; dots are entered in the vote phase's own panel)."""


def proxy_dots(scene: Scene, part: Part) -> str:
    """Dots entered for someone without a phone: their name in the vote's form, with the
    dots it ticks when they are chosen."""
    room = scene.room
    person = room.participants.get(part.only or "")
    if person is None or not person.proxy:
        return ""
    proxies = [p for p in room.participants.values() if p.proxy]
    return _vote_who(scene, person, proxies.index(person) + 1)


def _vote_who(scene: Scene, person: Participant, order: int) -> str:
    if votes.revealed(scene.room, scene.room.current_phase.id):
        return ""  # (voting has closed: the form is gone)
    return scene.render(
        "control_vote_who", person=person, order=order, phase=scene.room.current_phase
    )
