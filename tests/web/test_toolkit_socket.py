"""The facilitator's toolkit live: what the board, phones and control view are pushed.

Anonymity and moderation are checked on every frame a socket receives (the
htmx channel at /rooms/{code}/live and the JSON event stream), not only on
the pages: a name or a private note must never reach a screen it is hidden
from. Timer, "I'm done" and ratings must reach the board and phones at once.

Every read goes through helpers that give up after a few seconds; `drain`
collects what is left once a socket has been quiet for a moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from tests.conftest import bearer, join, make_room
from tests.web.support import TIMEOUT, board_main, connect, receive, receive_event, receive_html

QUIET = 0.3
"""Seconds without a message after which a socket counts as drained."""
ME = ("Zebedee Quux", "health")
OTHERS = (
    ("Xanthippe Vole", "education"),
    ("Ottoline Marchbanks", "social-care"),
    ("Ignatius Pflumm", "vcs-other"),
)
OTHER_NAMES = [name for name, _ in OTHERS]


class Html:
    """One htmx live socket, keeping every frame it was sent."""

    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws
        self.frames: list[str] = [receive_html(ws)]

    def until(
        self, matches: Callable[[str], bool], limit: int = 12, timeout: float = TIMEOUT
    ) -> str:
        """The first new frame `matches` accepts (every frame read is kept)."""
        for _ in range(limit):
            frame = receive_html(self.ws, timeout)
            self.frames.append(frame)
            if matches(frame):
                return frame
        raise AssertionError(f"no matching frame; last: {[f[:200] for f in self.frames[-3:]]}")

    def drain(self) -> list[str]:
        """Every frame sent until the socket stays quiet."""
        new: list[str] = []
        while True:
            try:
                frame = receive_html(self.ws, timeout=QUIET)
            except TimeoutError:
                self.frames += new
                return new
            new.append(frame)


class Stream:
    """One JSON event stream: its snapshot, then every message, kept."""

    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws
        first = receive(ws)
        assert first["type"] == "snapshot"
        self.snapshot: dict[str, Any] = first["data"]
        self.seq: int = first["seq"]
        self.events: list[dict[str, Any]] = []

    def until(self, seq: int) -> list[dict[str, Any]]:
        new = []
        while self.seq < seq:
            event = receive_event(self.ws)
            assert event["seq"] == self.seq + 1, (self.seq, event)
            self.seq = event["seq"]
            new.append(event)
        self.events += new
        return new


@contextmanager
def live(client: TestClient, code: str, token: str, view: str) -> Iterator[Html]:
    url = f"/rooms/{code}/live?view={view}"
    with client.websocket_connect(url, headers=bearer(token)) as ws:
        yield Html(ws)


@contextmanager
def stream(client: TestClient, code: str, token: str) -> Iterator[Stream]:
    with connect(client, code, token) as ws:
        yield Stream(ws)


def api(client: TestClient, method: str, code: str, token: str, path: str, body: Any = None) -> Any:
    response = client.request(method, f"/api/rooms/{code}{path}", json=body, headers=bearer(token))
    assert response.status_code in (200, 201, 204), (path, response.text)
    return response.json() if response.status_code != 204 else None


def seq_of(client: TestClient, code: str, token: str) -> int:
    return int(api(client, "GET", code, token, "")["seq"])


def names_in(frames: list[str], names: list[str]) -> set[str]:
    return {name for name in names if any(name in frame for frame in frames)}


# ================================================================ anonymity
def test_anonymous_names_never_reach_the_board_or_other_phones(client: TestClient) -> None:
    created = make_room(client, anonymous=True)
    code, fac = created["code"], created["facilitator_token"]
    me = join(client, code, *ME)
    with ExitStack() as stack:
        board = stack.enter_context(live(client, code, fac, "board"))
        control = stack.enter_context(live(client, code, fac, "control"))
        phone = stack.enter_context(live(client, code, me["token"], "phone"))
        mine = stack.enter_context(stream(client, code, me["token"]))

        people = [join(client, code, name, perspective) for name, perspective in OTHERS]
        board.until(lambda f: board_main(f) and '<span class="count">4</span>' in f)
        control.until(lambda f: OTHER_NAMES[-1] in f)
        api(client, "POST", code, fac, "/phase", {"phase": "purpose-write"})
        board.until(lambda f: 'id="board-phase"' in f and "Task 1.1" in f)
        phone.until(lambda f: 'id="phone-task"' in f)
        for person in people:
            api(client, "POST", code, person["token"], "/notes", {"text": "Written anonymously"})
        api(client, "POST", code, fac, "/phase", {"phase": "purpose-sort"})
        board.until(lambda f: board_main(f) and "Written anonymously" in f)
        phone.until(lambda f: "Written anonymously" in f)
        for socket in (board, control, phone):
            socket.drain()

        # The board and the phone: perspectives and counts, never someone else's name.
        assert names_in(board.frames, [*OTHER_NAMES, ME[0]]) == set()
        assert names_in(phone.frames, OTHER_NAMES) == set()
        assert "Health 1" in board.frames[0]
        # The facilitator's control view names everyone.
        assert names_in(control.frames, OTHER_NAMES) == set(OTHER_NAMES)

        # A participant's JSON snapshot: their own name only.
        assert [(p["name"], p["perspective"]) for p in mine.snapshot["participants"]] == [ME]
        with stream(client, code, people[0]["token"]) as later:
            named = {p["name"] for p in later.snapshot["participants"]}
        assert named == {None, OTHERS[0][0]}
        with stream(client, code, fac) as facilitator:
            everyone = {p["name"] for p in facilitator.snapshot["participants"]}
        assert everyone == {ME[0], *OTHER_NAMES}


def test_names_shown_in_a_phase_then_hidden_again(client: TestClient) -> None:
    created = make_room(client, anonymous=True)
    code, fac = created["code"], created["facilitator_token"]
    people = [join(client, code, name, perspective) for name, perspective in (ME, *OTHERS)]
    everyone = [ME[0], *OTHER_NAMES]
    api(client, "POST", code, fac, "/phase", {"phase": "document"})
    for person in people:
        api(client, "POST", code, person["token"], "/document/sign")
    with ExitStack() as stack:
        board = stack.enter_context(live(client, code, fac, "board"))
        phone = stack.enter_context(live(client, code, people[0]["token"], "phone"))
        assert "Signed <span" in board.frames[0]
        assert names_in(board.frames, everyone) == set()
        assert names_in(phone.frames, OTHER_NAMES) == set()
        assert "names are hidden in this session" in phone.frames[0]

        # Shown for the signing: the board lists who signed, by name.
        api(client, "PATCH", code, fac, "/options", {"names_shown": True})
        shown = board.until(lambda f: board_main(f) and OTHER_NAMES[0] in f)
        assert names_in([shown], everyone) == set(everyone)
        assert f"✓ {OTHER_NAMES[1]}" in shown
        # … and the phones' copy of the document lists the signatories too.
        phone.until(lambda f: 'id="phone-task"' in f and OTHER_NAMES[0] in f)
        names = {
            p["name"] for p in api(client, "GET", code, people[1]["token"], "")["participants"]
        }
        assert names == set(everyone)

        # The next phase hides them again.
        board_start, phone_start = len(board.frames), len(phone.frames)
        api(client, "POST", code, fac, "/phase", {"phase": "closed"})
        board.until(board_main)
        phone.until(lambda f: 'id="phone-task"' in f)
        board.drain()
        phone.drain()
        assert names_in(board.frames[board_start:], everyone) == set()
        assert names_in(phone.frames[phone_start:], OTHER_NAMES) == set()
        names = {
            p["name"] for p in api(client, "GET", code, people[1]["token"], "")["participants"]
        }
        assert names == {None, OTHER_NAMES[0]}


def test_anonymous_names_never_reach_other_participants_event_streams(client: TestClient) -> None:
    created = make_room(client, anonymous=True)
    code, fac = created["code"], created["facilitator_token"]
    me = join(client, code, *ME)
    with stream(client, code, me["token"]) as mine, stream(client, code, fac) as facilitator:
        for name, perspective in OTHERS:
            join(client, code, name, perspective)
        seq = seq_of(client, code, fac)
        joined = [e for e in facilitator.until(seq) if e["type"] == "participant.joined"]
        assert {e["data"]["participant"]["name"] for e in joined} == set(OTHER_NAMES)
        received = [e for e in mine.until(seq) if e["type"] == "participant.joined"]
        assert len(received) == len(OTHERS)
        assert {e["data"]["participant"]["name"] for e in received} == {None}


# =============================================================== moderation
def test_moderated_notes_reach_the_facilitator_and_their_author_only(client: TestClient) -> None:
    created = make_room(client, moderated=True)
    code, fac = created["code"], created["facilitator_token"]
    priya, eleanor = (
        join(client, code, "Priya", "health"),
        join(client, code, "Eleanor", "education"),
    )
    api(client, "POST", code, fac, "/phase", {"phase": "purpose-write"})
    with ExitStack() as stack:
        facilitator = stack.enter_context(stream(client, code, fac))
        author = stack.enter_context(stream(client, code, priya["token"]))
        other = stack.enter_context(stream(client, code, eleanor["token"]))
        board = stack.enter_context(live(client, code, fac, "board"))
        control = stack.enter_context(live(client, code, fac, "control"))

        kept = api(client, "POST", code, priya["token"], "/notes", {"text": "Kept for the board"})
        held = api(client, "POST", code, priya["token"], "/notes", {"text": "Quietly held back"})
        seq = seq_of(client, code, fac)
        for follower in (facilitator, author, other):
            added = [e["data"]["note"] for e in follower.until(seq) if e["type"] == "note.added"]
            texts = [n["text"] for n in added]
            if follower is other:
                assert texts == [None, None]
                assert {n["author_id"] for n in added} == {None}
            else:
                assert texts == ["Kept for the board", "Quietly held back"]
        control.until(lambda f: "Quietly held back" in f)

        api(client, "POST", code, fac, f"/notes/{held['id']}/hold", {"held": True})
        api(client, "POST", code, fac, "/phase", {"phase": "purpose-sort"})
        seq = seq_of(client, code, fac)
        for follower in (facilitator, author, other):
            events = follower.until(seq)
            assert [e["type"] for e in events] == ["note.held", "phase.changed", "notes.revealed"]
            assert [n["id"] for n in events[-1]["data"]["notes"]] == [kept["id"]]
        board.until(lambda f: board_main(f) and "Kept for the board" in f)
        board.drain()
        assert "Quietly held back" not in str(other.events)
        assert names_in(board.frames, ["Quietly held back"]) == set()

        # Released after the reveal: on everyone's screen at once, in the inner circle.
        api(client, "POST", code, fac, f"/notes/{held['id']}/hold", {"held": False})
        seq = seq_of(client, code, fac)
        held_event, revealed = other.until(seq)
        assert held_event["type"] == "note.held"
        assert revealed["type"] == "notes.revealed"
        (note,) = revealed["data"]["notes"]
        assert (note["text"], note["ring"]) == ("Quietly held back", "inner")
        # Just that note goes to the board, into the inner circle (not the whole board).
        released = board.until(lambda f: "Quietly held back" in f)
        assert 'data-in="board-ring-inner"' in released
        assert not board_main(released)


def test_without_moderation_the_facilitator_stream_gets_no_text(client: TestClient) -> None:
    created = make_room(client)
    code, fac = created["code"], created["facilitator_token"]
    priya = join(client, code, "Priya", "health")
    api(client, "POST", code, fac, "/phase", {"phase": "purpose-write"})
    with stream(client, code, fac) as facilitator, live(client, code, fac, "control") as control:
        api(client, "POST", code, priya["token"], "/notes", {"text": "Nobody reads this yet"})
        (added,) = facilitator.until(seq_of(client, code, fac))
        assert added["type"] == "note.added"
        assert added["data"]["note"]["text"] is None
        control.until(lambda f: 'id="control-written"' in f)
        control.drain()
        assert names_in(control.frames, ["Nobody reads this yet"]) == set()


# ============================================================ timer and done
def test_timer_and_done_reach_the_board_and_phones_at_once(client: TestClient) -> None:
    created = make_room(client)
    code, fac = created["code"], created["facilitator_token"]
    priya, eleanor = (
        join(client, code, "Priya", "health"),
        join(client, code, "Eleanor", "education"),
    )
    api(client, "POST", code, fac, "/phase", {"phase": "purpose-write"})
    with ExitStack() as stack:
        board = stack.enter_context(live(client, code, fac, "board"))
        control = stack.enter_context(live(client, code, fac, "control"))
        mine = stack.enter_context(live(client, code, priya["token"], "phone"))
        theirs = stack.enter_context(live(client, code, eleanor["token"], "phone"))
        assert 'class="timer' not in board.frames[0]
        assert "<strong>0 of 2</strong> done" in board.frames[0]

        api(client, "POST", code, fac, "/timer", {"action": "start", "seconds": 300, "lock": True})
        frame = board.until(lambda f: 'id="board-phase"' in f)
        assert 'role="timer"' in frame
        assert "Time left" in frame
        assert "writing closes at 0:00" in frame
        for phone in (mine, theirs):
            pushed = phone.until(lambda f: 'id="phone-phase"' in f)
            assert 'role="timer"' in pushed
        control.until(lambda f: 'id="control-timer"' in f and 'role="timer"' in f)

        api(client, "POST", code, fac, "/timer", {"action": "pause"})
        assert "Timer paused" in board.until(lambda f: 'id="board-phase"' in f)
        for phone in (mine, theirs):
            assert "Timer paused" in phone.until(lambda f: 'id="phone-phase"' in f)
        api(client, "POST", code, fac, "/timer", {"action": "clear"})
        assert 'class="timer' not in board.until(lambda f: 'id="board-phase"' in f)
        for phone in (mine, theirs):
            assert 'class="timer' not in phone.until(lambda f: 'id="phone-phase"' in f)

        # "I'm done": the board counts it, the author's phone flips its button.
        api(client, "POST", code, priya["token"], "/done", {"done": True})
        counted = board.until(lambda f: "<strong>1 of 2</strong> done" in f)
        assert "Priya" not in counted
        flipped = mine.until(lambda f: 'id="phone-done"' in f)
        assert 'aria-pressed="true"' in flipped
        control.until(lambda f: "<strong>1 of 2</strong> said they" in f)
        assert not [f for f in theirs.drain() if 'id="phone-done"' in f]

        # The next phase: nobody is done there, and there is no timer.
        api(client, "POST", code, fac, "/phase", {"phase": "grid-write"})
        nothing = board.until(lambda f: 'id="board-done"' in f)
        assert "<strong>0 of 2</strong> done" in nothing
        fresh = mine.until(lambda f: 'id="phone-done"' in f)
        assert 'aria-pressed="false"' in fresh


def test_the_board_done_count_follows_joins_and_removals(client: TestClient) -> None:
    created = make_room(client)
    code, fac = created["code"], created["facilitator_token"]
    priya = join(client, code, "Priya", "health")
    join(client, code, "Eleanor", "education")
    api(client, "POST", code, fac, "/phase", {"phase": "purpose-write"})
    api(client, "POST", code, priya["token"], "/done", {"done": True})
    with live(client, code, fac, "board") as board:
        assert "<strong>1 of 2</strong> done" in board.frames[0]
        api(client, "DELETE", code, fac, f"/participants/{priya['participant_id']}")
        removed = board.until(lambda f: "<strong>0 of 1</strong> done" in f, 4, timeout=1)
        assert 'id="board-done"' in removed
        join(client, code, "Sol", "social-care")
        board.until(lambda f: "<strong>0 of 2</strong> done" in f, 4, timeout=1)


def test_ratings_reach_the_board_and_the_raters_phone(client: TestClient) -> None:
    created = make_room(client, workshop="partnership-health-check")
    code, fac = created["code"], created["facilitator_token"]
    priya, eleanor = (
        join(client, code, "Priya", "health"),
        join(client, code, "Eleanor", "education"),
    )
    api(client, "POST", code, fac, "/phase", {"phase": "ladder"})
    with ExitStack() as stack:
        board = stack.enter_context(live(client, code, fac, "board"))
        mine = stack.enter_context(live(client, code, priya["token"], "phone"))
        theirs = stack.enter_context(live(client, code, eleanor["token"], "phone"))
        assert "<strong>0 of 2</strong> have answered" in board.frames[0]
        api(client, "PUT", code, priya["token"], "/ratings/ladder", {"option": "supporting"})
        answered = board.until(lambda f: "<strong>1 of 2</strong> has" in f)
        assert 'id="ratings-ladder"' in answered  # the ladder alone, not the whole board
        assert not board_main(answered)
        assert "ladder__rung--leading" in answered
        assert "Priya" not in answered
        chosen = mine.until(lambda f: 'id="rate-item-ladder"' in f)
        assert 'value="supporting" checked' in chosen
        assert not [f for f in theirs.drain() if 'id="rate-item-' in f]
