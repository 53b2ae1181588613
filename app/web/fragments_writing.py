"""The control view's writing phase, element by element: a note written or a person
joining changes one person's line, their agency's count, the summary and who is still
writing — not everyone's progress (at 300 people that list alone is ~6 KB)."""

from __future__ import annotations

from app.domain.registry import Part
from app.web.scene import Scene, remove


def _progress(scene: Scene, perspective: str | None) -> str:
    """What a note changes beside its author's line: the count of `perspective` (or of
    every agency) and who is still writing. (The figures come with `notes-progress`,
    which every note's event touches too.)"""
    counts = "".join(
        scene.render_full("control_written_count", p=p)
        for p in scene.room.workshop.perspectives
        if perspective in (None, p.id)
    )
    return counts + scene.render_full("control_written_waiting")


def _summary(scene: Scene, perspective: str | None) -> str:
    """What someone coming or going changes as well: the done line and the figures."""
    done = scene.render_full("control_done_line")
    return done + scene.render_full("control_written_summary") + _progress(scene, perspective)


def written_note(scene: Scene, part: Part) -> str:
    """A note written (or taken back): its author's line and their agency's count."""
    note = scene.room.notes.get(part.key)
    author = scene.room.participants.get(note.author_id) if note else None
    if author is None:
        return _progress(scene, None)
    line = scene.render_full("control_written_person", person=author)
    return line + _progress(scene, author.perspective)


def written_progress(scene: Scene, part: Part) -> str:
    """How many notes are written: the summary (a note's own part brings its line)."""
    return scene.render_full("control_written_summary")


def written_person(scene: Scene, part: Part) -> str:
    """Someone joined (their line, in their agency's list) or left the room."""
    person = scene.room.participants.get(part.key)
    if person is None:
        return remove(f"control-written-{part.key}") + _summary(scene, None)
    line = scene.render_full("control_written_person", person=person)
    return line + _summary(scene, person.perspective)


def still_writing(scene: Scene, part: Part) -> str:
    """Someone said they are done (or not): the done line, who is still writing."""
    return _summary(scene, None)
