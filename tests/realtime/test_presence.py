"""Who is online: this worker's sockets, other workers' rosters, and their expiry.

The answer is kept between changes (every live render asks for it), so each test
checks that a change, or the passing of a roster's expiry, is seen at once.
"""

from __future__ import annotations

from app.realtime.messages import Presence, Roster
from app.realtime.presence import EXPIRE, Attendance


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_participant_is_online_while_any_of_their_sockets_is_open() -> None:
    attendance = Attendance(Clock())
    assert attendance.count("priya", +1)  # came online
    assert not attendance.count("priya", +1)  # a second screen: no change
    assert attendance.online == {"priya"}
    assert not attendance.count("priya", -1)
    assert attendance.online == {"priya"}
    assert attendance.count("priya", -1)  # the last socket went
    assert attendance.online == frozenset()


def test_the_answer_changes_with_every_change_it_is_kept_between() -> None:
    attendance = Attendance(Clock())
    attendance.count("priya", +1)
    first = attendance.online
    assert attendance.online is first  # nothing changed: the same answer
    attendance.count("sol", +1)
    assert attendance.online == {"priya", "sol"}
    attendance.forget("priya")
    assert attendance.online == {"sol"}
    attendance.heard(Presence("other", "eleanor", True))
    assert attendance.online == {"sol", "eleanor"}
    attendance.heard(Presence("other", "eleanor", False))
    assert attendance.online == {"sol"}


def test_another_workers_roster_counts_until_it_expires() -> None:
    clock = Clock()
    attendance = Attendance(clock)
    attendance.heard(Roster("other", frozenset({"eleanor", "sol"})))
    assert attendance.online == {"eleanor", "sol"}
    clock.now += EXPIRE
    assert attendance.online == {"eleanor", "sol"}  # heard EXPIRE seconds ago: still counts
    clock.now += 0.5
    assert attendance.online == frozenset()  # the kept answer does not outlive the roster
    attendance.heard(Roster("other", frozenset({"sol"})))
    assert attendance.online == {"sol"}


def test_expiring_forgets_silent_workers() -> None:
    clock = Clock()
    attendance = Attendance(clock)
    attendance.heard(Roster("gone", frozenset({"eleanor"})))
    clock.now += EXPIRE / 2
    attendance.heard(Roster("here", frozenset({"sol"})))
    clock.now += EXPIRE / 2 + 1
    attendance.expire()
    assert set(attendance.remote) == {"here"}
    assert attendance.online == {"sol"}
