"""The control view's writing phase, element by element: a note written or a person
joining changes one person's line, their agency's count, the summary and who is still
writing — not everyone's progress (at 300 people that list alone is ~6 KB)."""

from __future__ import annotations

from app.domain.registry import Part
from app.web.scene import Scene, remove


def _summary(scene: Scene, perspective: str | None) -> str:
    """The summary, who is still writing and who said they are done, and the count of
    `perspective` (or of all)."""
    shown = [perspective] if perspective else [p.id for p in scene.room.workshop.perspectives]
    perspectives = [p for p in scene.room.workshop.perspectives if p.id in shown]
    waiting = scene.render_full("control_written_waiting")
    counts = "".join(scene.render_full("control_written_count", p=p) for p in perspectives)
    done = scene.render_full("control_done_line")
    return done + scene.render_full("control_written_summary") + counts + waiting


def written_note(scene: Scene, part: Part) -> str:
    """A note written (or taken back): its author's line and their agency's count."""
    note = scene.room.notes.get(part.key)
    author = scene.room.participants.get(note.author_id) if note else None
    if author is None:
        return _summary(scene, None)
    line = scene.render_full("control_written_person", person=author)
    return line + _summary(scene, author.perspective)


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
