"""Languages in an OpenDocument text: ODF has no element that says "this part is in
Welsh" — a paragraph's language is its style's `fo:language`/`fo:country`. So a part
in a language of its own gets, for each paragraph style it uses, a variant of that
style in its language (`Heading 1` → `Heading 1-cy`), and its paragraphs use those."""

from __future__ import annotations

from typing import Any

from babel.core import get_global
from odf.element import Element
from odf.namespaces import TEXTNS
from odf.opendocument import OpenDocumentText
from odf.style import Style, TextProperties

PARAGRAPHS = {(TEXTNS, "p"), (TEXTNS, "h")}


def odf_language(tag: str) -> tuple[str, str]:
    """The `fo:language` and `fo:country` of a BCP 47 tag: `en-GB` → (en, GB), `cy` →
    (cy, GB) (its likely region, from CLDR), a tag without one → (xx, none)."""
    language, _, region = tag.partition("-")
    if not region:
        likely = str(get_global("likely_subtags").get(language, ""))
        region = likely.split("_")[-1] if likely.count("_") == 2 else ""
    return language, region.upper() or "none"


class LanguageStyles:
    """Makes (once each) and applies the language variants of a document's paragraph
    styles."""

    def __init__(self, odt: OpenDocumentText) -> None:
        self.odt = odt
        self.variants: dict[tuple[str, str], str] = {}

    def _style(self, name: str) -> Any:
        for holder in (self.odt.automaticstyles, self.odt.styles):
            for style in holder.getElementsByType(Style):
                if style.getAttribute("name") == name:
                    return style
        return None

    def variant(self, name: str, tag: str) -> str:
        """The name of `name`'s variant in the language `tag` (made the first time)."""
        key = (name, tag)
        if key not in self.variants:
            original = self._style(name)
            automatic = original is not None and original.parentNode is self.odt.automaticstyles
            settings: dict[str, str] = {"parentstylename": name}
            if automatic:  # an automatic style cannot be a parent: copy what it says
                settings = {
                    "parentstylename": original.getAttribute("parentstylename"),
                    **(
                        {"masterpagename": master}
                        if (master := original.getAttribute("masterpagename"))
                        else {}
                    ),
                }
            shown = (original.getAttribute("displayname") if original is not None else "") or name
            made = Style(
                name=f"{name}-{tag}", displayname=f"{shown} ({tag})", family="paragraph", **settings
            )
            language, country = odf_language(tag)
            made.addElement(TextProperties(language=language, country=country))
            self.odt.automaticstyles.addElement(made)
            self.variants[key] = made.getAttribute("name")
        return self.variants[key]

    def mark(self, elements: list[Element], tag: str) -> None:
        """Every paragraph and heading in `elements` (and inside them: list items,
        table cells) says it is in `tag`."""
        for element in elements:
            self._mark(element, tag)

    def _mark(self, element: Element, tag: str) -> None:
        if element.qname in PARAGRAPHS:
            name = element.getAttrNS(TEXTNS, "style-name") or "Standard"
            element.setAttrNS(TEXTNS, "style-name", self.variant(name, tag))
        for child in element.childNodes:
            if child.nodeType == child.ELEMENT_NODE:
                self._mark(child, tag)
