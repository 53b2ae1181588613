"""The elements issue 18's parts are shown by: a dot-vote's count and one's own dots."""

from __future__ import annotations

from app.domain import votes
from app.domain.registry import Part
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
        ranked = [t.note_id for t in vote["tally"]]
        if part.key not in ranked:
            return ""
        rank = ranked.index(part.key) + 1
        t = vote["tally"][rank - 1]
        html = scene.render_full("vote_result", t=t, rank=rank, vote=vote, page_prefix=prefix)
        if prefix == "control" and any(top.note_id == part.key for top in vote["top"]):
            html += scene.render_full("control_vote_top", t=t, rank=rank)
        return html

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
        return hint + remove(f"proxy-{part.key}", f"enter-who-{part.key}")
    order = proxies.index(person) + 1
    html = hint + scene.render("control_proxy_item", person=person, order=order)
    if room.current_phase.traits.partial in ENTERED_IN:
        html += scene.render("control_enter_who", person=person, order=order)
    return html


ENTERED_IN = ("write-notes", "grid-write", "agree", "document")
"""The phases whose entries for them are made in the toolkit's form
(`parts/control_enter_for.html`; dots are entered in the vote phase's own panel)."""
