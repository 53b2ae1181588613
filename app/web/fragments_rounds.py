"""The elements issue 18's parts are shown by: a dot-vote's count and one's own dots."""

from __future__ import annotations

from app.domain import votes
from app.domain.registry import Part
from app.web.scene import Render, Scene


def vote_count(prefix: str) -> Render:
    """How many have placed their dots (the same on every screen of `prefix`'s page)."""

    def render(scene: Scene, part: Part) -> str:
        voters = len(votes.voters(scene.room, part.key))
        return scene.render("vote_count", vote={"voters": voters}, page_prefix=prefix)

    return render


def my_dots(scene: Scene, part: Part) -> str:
    """A phone's own count of dots (its form keeps what the person ticked)."""
    mine = votes.allocation(scene.room, part.key, scene.me.id) if scene.me else ()
    return scene.render("phone_my_dots", vote={"mine": list(mine)})


def proxy_list(scene: Scene, part: Part) -> str:
    """The control view's list of people without a phone, when one of them changed."""
    person = scene.room.participants.get(part.key)
    if person is not None and not person.proxy:
        return ""
    return scene.render("control_proxy_list")
