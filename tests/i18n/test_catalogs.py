"""The catalogues: current with the code, Welsh complete, placeholders and plurals right."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog, Message

from app.i18n import catalogs, extract

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}")
COMPLETE = ["cy"]
"""Languages that must translate every message (English is the source)."""


def _catalog(code: str) -> Catalog:
    return catalogs.read_catalog(catalogs.po_path(code), code)


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, tuple | list):
        return [str(s) for s in message.string]
    return [str(message.string or "")]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def test_the_template_is_current_with_the_code():
    """`make messages` was run: every marked message is in messages.pot, no stale one."""
    found = {m.id if isinstance(m.id, str) else tuple(m.id) for m in extract.extract() if m.id}
    stored = {
        m.id if isinstance(m.id, str) else tuple(m.id)
        for m in catalogs.read_catalog(catalogs.TEMPLATE)
        if m.id
    }
    assert sorted(map(str, found - stored)) == [], "run `make messages`"
    assert sorted(map(str, stored - found)) == [], "run `make messages`"


@pytest.mark.parametrize("code", catalogs.catalog_codes())
def test_every_catalogue_holds_the_templates_messages(code):
    template = {
        m.id if isinstance(m.id, str) else tuple(m.id)
        for m in catalogs.read_catalog(catalogs.TEMPLATE)
        if m.id
    }
    held = {m.id if isinstance(m.id, str) else tuple(m.id) for m in _catalog(code) if m.id}
    assert template == held, "run `make messages`"


@pytest.mark.parametrize("code", COMPLETE)
def test_complete_catalogues_translate_everything_and_nothing_is_fuzzy(code):
    catalog = _catalog(code)
    untranslated = [m.id for m in catalog if m.id and not all(_forms(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert (untranslated, fuzzy) == ([], [])


@pytest.mark.parametrize("code", catalogs.catalog_codes())
def test_placeholders_are_intact(code):
    broken = []
    for message in _catalog(code):
        if not message.id:
            continue
        wanted = {p for msgid in _ids(message) for p in PLACEHOLDER.findall(msgid)}
        for form in _forms(message):
            if not form:
                continue
            # A plural form may say its number in words ("un nodyn"): %(num)s is optional.
            if set(PLACEHOLDER.findall(form)) | {"%(num)s"} != wanted | {"%(num)s"}:
                broken.append((message.id, form))
    assert broken == []


def test_welsh_has_six_plural_forms_and_every_plural_fills_them():
    catalog = _catalog("cy")
    assert catalog.num_plurals == 6
    assert catalog.plural_expr == (
        "(n == 0 ? 0 : n == 1 ? 1 : n == 2 ? 2 : n == 3 ? 3 : n == 6 ? 4 : 5)"
    )
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(_forms(message)) == 6, message.id


def test_a_missing_mo_is_compiled_from_the_po(tmp_path, monkeypatch):
    catalogs.translations.cache_clear()
    monkeypatch.setattr(catalogs, "LOCALES_DIR", tmp_path)
    po = tmp_path / "cy" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Language: cy\\n"\n\nmsgid "Language"\nmsgstr "Iaith"\n')
    try:
        assert catalogs.translations("cy").gettext("Language") == "Iaith"
        assert not po.with_suffix(".mo").exists()
    finally:
        catalogs.translations.cache_clear()
