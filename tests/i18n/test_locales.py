"""Which language a person gets: their choice, their browser's, else English."""

from __future__ import annotations

import pytest

from app import i18n
from app.i18n import locales, pseudo


@pytest.mark.parametrize(
    ("cookie", "header", "code"),
    [
        (None, None, "en"),
        (None, "cy-GB,cy;q=0.9,en;q=0.8", "cy"),
        (None, "fr-FR, en;q=0.5, cy;q=0.7", "cy"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "de, fr", "en"),
        (None, "cy;q=0, en", "en"),
        (None, "cy;q=nonsense, en", "en"),
        ("cy", "en-GB", "cy"),
        ("en", "cy", "en"),
        ("xx", "cy", "cy"),
        ("en-XA", None, "en-XA"),
        (None, "en-XA", "en-XA"),
        (None, "ar", "en"),  # no Arabic catalogue: the pseudo-locale is never guessed
    ],
)
def test_negotiate(cookie, header, code):
    assert i18n.negotiate(cookie, header).code == code


def test_accept_language_ranks_by_quality_then_order():
    assert i18n.parse_accept_language("a;q=0.5, b, c;q=0.9, d") == ["b", "d", "c", "a"]


def test_the_languages_name_themselves_and_say_their_direction():
    welsh, english = i18n.get("cy"), i18n.get("en")
    assert (welsh.name, welsh.tag, welsh.dir) == ("Cymraeg", "cy", "ltr")
    assert (english.name, english.tag) == ("English", "en-GB")
    assert [x.code for x in locales.listed()] == ["en", "cy"]
    assert i18n.get("ar-XB").dir == "rtl"


def test_an_unknown_code_is_english():
    assert i18n.get("zz").code == "en"


def test_placeholders_are_filled_in_every_style():
    welsh = i18n.get("cy")
    assert welsh.gettext("Language") == "Iaith"
    assert welsh.message("This session has closed.") == "Mae'r sesiwn hon wedi cau."
    english = i18n.get("en")
    assert english.message("Room {code}", code="K7P") == "Room K7P"


def test_pseudo_lengthens_and_keeps_placeholders():
    text = pseudo.lengthen("Join “%(title)s” now {code} <b>ok</b> &amp;")
    for kept in ("%(title)s", "{code}", "<b>", "&amp;"):
        assert kept in text
    assert (text[0], text[-1]) == ("[", "]")
    assert not any(c in "aeiou" for c in pseudo.KEEP.sub("", text))
    assert len(pseudo.lengthen("Participants join from their phones")) >= 1.3 * 36
