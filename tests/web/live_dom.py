"""A live page as a DOM (lxml), each live message put in place with app.js's rules
(`applyLive`: remove `data-remove` ids, put each element in place by id, or into
`data-in` by `data-order`), and what a page shows compared by its keyed elements."""

from __future__ import annotations

from typing import Any

import lxml.html  # type: ignore[import-untyped]  # (installed with python-docx)
from lxml.html import HtmlElement


def apply(doc: HtmlElement, message: str) -> None:
    """One live message, put in place as app.js's `applyLive` does."""
    for node in lxml.html.fragments_fromstring(message):
        if not isinstance(node, HtmlElement):
            continue
        if node.tag == "template" and node.get("data-remove") is not None:
            for ident in node.get("data-remove", "").split():
                gone = by_id(doc, ident)
                if gone is not None:
                    gone.drop_tree()
            continue
        items = list(node) if node.tag == "template" or node.get("data-live-wrap") else [node]
        for item in items:
            _put_in_place(doc, item)


def by_id(doc: HtmlElement, ident: str) -> HtmlElement | None:
    found = doc.xpath("//*[@id=$ident]", ident=ident)
    return found[0] if found else None


def _put_in_place(doc: HtmlElement, node: HtmlElement) -> None:
    old = by_id(doc, node.get("id", "")) if node.get("id") else None
    into = node.get("data-in")
    parent = by_id(doc, into) if into else None
    if (into and parent is None) or (not into and old is None):
        return
    node.tail = None
    if parent is None:
        assert old is not None
        old.addprevious(node)
        old.drop_tree()
        return
    order = float(node.get("data-order") or 0)
    before = next(
        (c for c in parent if c is not old and float(c.get("data-order") or 0) > order), None
    )
    if old is not None:
        old.drop_tree()
    if before is not None:
        before.addprevious(node)
    else:
        parent.append(node)


def keyed(doc: HtmlElement, root_id: str) -> dict[str, Any]:
    """The keyed elements within `root_id`, with their own text, and each list's order."""
    root = by_id(doc, root_id)
    assert root is not None, f"no #{root_id}"
    texts: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for el in root.iter():
        if not isinstance(el, HtmlElement):
            continue
        if el.get("id"):
            texts[el.get("id", "")] = " ".join(_own_text(el).split())
        if el.get("data-in"):
            parent = el.getparent()
            lists.setdefault(parent.get("id", "") if parent is not None else "", []).append(
                el.get("id", "")
            )
    return {"texts": texts, "lists": lists}


def _own_text(el: HtmlElement) -> str:
    parts = [el.text or ""]
    for child in el:
        if isinstance(child, HtmlElement) and not child.get("id"):
            parts.append(_own_text(child))
        parts.append(child.tail or "")
    return " ".join(parts)
