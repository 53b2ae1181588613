"""Room codes: short, random, unambiguous when typed on a phone."""

from __future__ import annotations

import itertools

import pytest

from app.domain.codes import ALPHABET, LENGTH, looks_like_code, new_code, normalize_code

AMBIGUOUS = "0O1IL"


def test_alphabet_has_no_ambiguous_characters() -> None:
    assert not set(AMBIGUOUS) & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert not any(ch.islower() for ch in ALPHABET)


def test_new_code_has_six_characters_from_the_alphabet() -> None:
    for _ in range(200):
        code = new_code()
        assert len(code) == LENGTH == 6
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set(AMBIGUOUS)
        assert looks_like_code(code)


def test_new_code_length_argument() -> None:
    assert len(new_code(10)) == 10


def test_codes_are_distinct_and_not_sequential() -> None:
    codes = [new_code() for _ in range(2_000)]
    # 29**6 ≈ 595 million codes: a collision among 2,000 has probability ≈ 0.3 %,
    # more than a handful is practically impossible unless codes are not random.
    assert len(set(codes)) >= 1_995
    assert codes != sorted(codes)
    # Consecutive codes share few positions (a counter would share five of six).
    pairs = list(itertools.pairwise(codes))
    shared = sum(sum(a == b for a, b in zip(x, y, strict=True)) for x, y in pairs)
    assert shared / len(pairs) < 1.0  # random: 6/29 ≈ 0.2 on average
    # Every character of the alphabet turns up somewhere.
    assert set("".join(codes)) == set(ALPHABET)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("k7p2qx", "K7P2QX"),
        ("K7P 2QX", "K7P2QX"),
        ("k7p-2qx", "K7P2QX"),
        ("  k7p - 2qx ", "K7P2QX"),
        ("k7p_2qx", "K7P2QX"),
        ("k7p\t2qx", "K7P2QX"),
        ("K7P2QX", "K7P2QX"),
    ],
)
def test_normalize_code(typed: str, code: str) -> None:
    assert normalize_code(typed) == code
    assert looks_like_code(normalize_code(typed))


@pytest.mark.parametrize(
    "code",
    [
        "",
        "K7P2Q",  # too short
        "K7P2QXA",  # too long
        "k7p2qx",  # not normalised
        "K7P2Q0",  # zero
        "K7P2QO",  # letter O
        "K7P2Q1",  # one
        "K7P2QI",  # letter I
        "K7P2QL",  # letter L
        "K7P-2Q",  # dash
        "K7P2Q!",
    ],
)
def test_looks_like_code_refuses(code: str) -> None:
    assert not looks_like_code(code)


def test_looks_like_code_accepts() -> None:
    assert looks_like_code("K7P2QX")
    assert looks_like_code("ABCDEF")
    assert looks_like_code("234567")
