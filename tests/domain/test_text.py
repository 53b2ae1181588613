"""clean_text: what people type, normalised and checked."""

from __future__ import annotations

import unicodedata

import pytest

from app.domain.errors import Invalid
from app.domain.text import clean_text, xml_safe


def test_trims() -> None:
    assert clean_text("  hello  ", field="note", max_length=280) == "hello"
    assert clean_text("\n\thello\n", field="note", max_length=280) == "hello"


def test_multi_line_keeps_inner_newlines() -> None:
    assert clean_text(" a\nb ", field="note", max_length=280) == "a\nb"


@pytest.mark.parametrize("value", ["", " ", "   \n\t  ", "\u3000", "\x00\x01"])
@pytest.mark.parametrize("single_line", [False, True])
def test_whitespace_only_is_invalid(value: str, single_line: bool) -> None:
    with pytest.raises(Invalid) as caught:
        clean_text(value, field="note", max_length=280, single_line=single_line)
    assert caught.value.code == "invalid_note"
    assert caught.value.kind == "invalid"
    assert caught.value.message


@pytest.mark.parametrize("field", ["name", "title", "text"])
def test_code_names_the_field(field: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean_text("   ", field=field, max_length=10)
    assert caught.value.code == f"invalid_{field}"


def test_exactly_max_length_is_accepted() -> None:
    assert clean_text("x" * 280, field="note", max_length=280) == "x" * 280


def test_max_length_plus_one_is_refused() -> None:
    with pytest.raises(Invalid) as caught:
        clean_text("x" * 281, field="note", max_length=280)
    assert caught.value.code == "invalid_note"
    assert "280" in caught.value.message


def test_length_is_counted_after_trimming() -> None:
    assert clean_text("  " + "x" * 60 + "  ", field="name", max_length=60) == "x" * 60


def test_length_is_counted_after_nfc() -> None:
    decomposed = "e\u0301" * 60  # 120 code points, 60 characters once composed
    assert clean_text(decomposed, field="name", max_length=60) == "\u00e9" * 60


def test_single_line_folds_whitespace() -> None:
    assert (
        clean_text("  Priya \n\n  Shah\t\tNurse  ", field="name", max_length=60, single_line=True)
        == "Priya Shah Nurse"
    )


def test_multi_line_does_not_fold() -> None:
    assert clean_text("a  b", field="note", max_length=280) == "a  b"


def test_control_characters_are_dropped() -> None:
    assert clean_text("he\x00l\x07lo\x1b", field="note", max_length=280) == "hello"
    assert clean_text("a\x7fb", field="name", max_length=60, single_line=True) == "ab"


def test_nfc_normalisation() -> None:
    cleaned = clean_text("Cafe\u0301", field="name", max_length=60, single_line=True)
    assert cleaned == "Caf\u00e9"
    assert unicodedata.is_normalized("NFC", cleaned)


@pytest.mark.parametrize("value", [None, 42, 3.5, b"bytes", ["a"], {"text": "a"}])
def test_non_text_is_invalid(value: object) -> None:
    with pytest.raises(Invalid) as caught:
        clean_text(value, field="text", max_length=280)
    assert caught.value.code == "invalid_text"


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "x\ud83d"])
def test_a_lone_surrogate_is_refused(bad: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean_text(bad, field="text", max_length=280)
    assert caught.value.code == "invalid_text"


@pytest.mark.parametrize(
    "nonchar", ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff"]
)
def test_noncharacters_are_dropped(nonchar: str) -> None:
    assert clean_text(f"Oak{nonchar}field", field="title", max_length=120) == "Oakfield"
    with pytest.raises(Invalid):
        clean_text(nonchar * 3, field="title", max_length=120)


def test_what_comes_out_is_xml_safe_and_utf8() -> None:
    hostile = "".join(chr(c) for c in range(0, 0x20)) + "ok\ufffe\uffff\ufdd5 fine"
    cleaned = clean_text(hostile, field="text", max_length=280)
    assert cleaned == "ok fine"
    assert xml_safe(cleaned) == cleaned
    cleaned.encode("utf-8")


def test_xml_safe_strips_what_xml_cannot_hold() -> None:
    assert xml_safe("a\x00b\x0bc\ud800d\uffffe\U0010fffff") == "abcdef"
    assert xml_safe("tab\tnew\nline\r") == "tab\tnew\nline\r"
    plain = "nothing to do"
    assert xml_safe(plain) is plain
