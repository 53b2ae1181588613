"""The control view lists the notes merged into a note as elements of their own: a merge
sends one item (not the host's whole list), a merged cluster's items move to the new host
unchanged, and a restored note brings its merged notes back with it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.support import toolkit_room


def merged_list(page: str, host: str) -> list[str]:
    """The ids of the notes listed as merged into `host` on a control page, in order."""
    found = re.search(rf'<ul id="control-merged-{host}"[^>]*>(.*?)</ul>', page, re.S)
    assert found, host
    return re.findall(r'<li id="control-note-([0-9a-f-]+)"', found.group(1))


def test_merged_notes_travel_as_their_own_elements(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("purpose-write")
    a, b, c, d = (room.note(who, f"Note {who}") for who in ("eleanor", "sol", "priya", "sol"))
    room.phase("purpose-sort")

    first = room.form("fac", f"/notes/{b}/merge", {"into": a})
    assert first.headers["X-Live"] == "keyed"
    # One item for the merged note, in its host's list; the host comes with its list empty
    # (the page keeps the items it has), so the answer does not grow with the merges.
    assert f'<li id="control-note-{b}" data-in="control-merged-{a}"' in first.text
    assert f'<ul id="control-merged-{a}" data-keep-items></ul>' in first.text
    second = room.form("fac", f"/notes/{c}/merge", {"into": a})
    assert f'id="control-note-{b}"' not in second.text
    assert merged_list(room.page("fac", "control"), a) == [b, c]

    # The cluster merged into another note: its host goes to the new host's list, and the
    # notes merged into it move there unchanged (the page has them: not sent again).
    cluster = room.form("fac", f"/notes/{a}/merge", {"into": d})
    assert f'<li id="control-note-{a}" data-in="control-merged-{d}"' in cluster.text
    move = f'<template data-move-items="control-merged-{a}" data-in="control-merged-{d}">'
    assert cluster.text.count(move) == 1  # (one directive, however many they are)
    for note in (b, c):
        assert f'<li id="control-note-{note}"' not in cluster.text
    page = room.page("fac", "control")
    assert sorted(merged_list(page, d)) == sorted([a, b, c])
    assert f'id="control-merged-{a}"' not in page

    # Removed and restored, the host brings its merged notes back with it.
    room.ok(room.delete("fac", f"/notes/{d}"), 204)
    assert f'id="control-merged-{d}"' not in room.page("fac", "control")
    back = room.form("fac", f"/notes/{d}/restore")
    assert back.status_code == 200, back.text
    for note in (a, b, c):
        assert f'<li id="control-note-{note}" data-in="control-merged-{d}"' in back.text
    assert sorted(merged_list(room.page("fac", "control"), d)) == sorted([a, b, c])

    # Un-merged, a note leaves the list for its circle (the same element id).
    out = room.form("fac", f"/notes/{b}/unmerge")
    assert '<li class="postit postit--social-care' in out.text
    assert f'id="control-note-{b}" data-in="control-ring-inner"' in out.text
    assert b not in merged_list(room.page("fac", "control"), d)
