"""What the language tests share: reading a page's text as a person sees it."""

from __future__ import annotations

from html.parser import HTMLParser

from app.i18n import catalogs

SEEN_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Texts(HTMLParser):
    """Every text node and labelling attribute of a page, with the language it is in
    (the nearest `lang`), leaving out scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[tuple[str, str]] = []

    def _lang(self) -> str:
        return next((lang for _, lang in reversed(self.stack) if lang), "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in VOID:
            self.stack.append((tag, values.get("lang")))
        lang = values.get("lang") or self._lang()
        for name in SEEN_ATTRIBUTES:
            if values.get(name):
                self.found.append((" ".join(str(values[name]).split()), lang))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(tag in ("script", "style", "template") for tag, _ in self.stack):
            return
        text = " ".join(data.split())
        if text:
            self.found.append((text, self._lang()))


def texts(page: str) -> list[tuple[str, str]]:
    parser = Texts()
    parser.feed(page)
    return parser.found


def english_only(code: str) -> set[str]:
    """The catalogue's plain messages whose translation in `code` is not the same words:
    seen on a page in that language, each is English left untranslated."""
    catalog = catalogs.read_catalog(catalogs.po_path(code), code)
    left = set()
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not message.string:
            continue
        if "%(" in message.id or "<" in message.id or "{" in message.id:
            continue
        if message.string != message.id and len(message.id) > 3:
            left.add(" ".join(message.id.split()))
    return left
