"""The token bucket behind 429 Too Many Requests: bursts pass, floods wait."""

from __future__ import annotations

import pytest

from app.ratelimit import RateLimited, RateLimiter, address_key


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def limiter(clock: Clock, burst: int = 3, per: float = 2.0) -> RateLimiter:
    return RateLimiter(burst=burst, per=per, clock=clock)


def refused(limiter: RateLimiter, key: str) -> RateLimited:
    with pytest.raises(RateLimited) as caught:
        limiter.hit(key)
    return caught.value


def test_a_burst_passes_then_the_next_is_refused(clock: Clock) -> None:
    bucket = limiter(clock, burst=3, per=2.0)
    for _ in range(3):
        bucket.hit("room:p1")
    error = refused(bucket, "room:p1")
    assert isinstance(error.retry_after, int)
    assert error.retry_after >= 1
    assert error.retry_after == 2  # one token comes back after `per` seconds
    assert error.message == "Slow down a little, then try again."
    assert str(error) == error.message


def test_refusals_do_not_spend_tokens(clock: Clock) -> None:
    bucket = limiter(clock, burst=2, per=2.0)
    bucket.hit("k")
    bucket.hit("k")
    for _ in range(10):  # hammering while refused does not push the wait further out
        assert refused(bucket, "k").retry_after == 2
    clock.advance(2.0)
    bucket.hit("k")


def test_retry_after_counts_down_and_is_at_least_one(clock: Clock) -> None:
    bucket = limiter(clock, burst=1, per=10.0)
    bucket.hit("k")
    assert refused(bucket, "k").retry_after == 10
    clock.advance(4.0)
    assert refused(bucket, "k").retry_after == 6
    clock.advance(5.5)
    assert refused(bucket, "k").retry_after == 1  # 0.5 s left: rounded up, never 0
    clock.advance(0.5)
    bucket.hit("k")


def test_a_custom_message_is_kept(clock: Clock) -> None:
    bucket = limiter(clock, burst=1)
    bucket.hit("k")
    with pytest.raises(RateLimited) as caught:
        bucket.hit("k", "Wait a moment.")
    assert caught.value.message == "Wait a moment."


def test_tokens_refill_over_time(clock: Clock) -> None:
    bucket = limiter(clock, burst=3, per=2.0)
    for _ in range(3):
        bucket.hit("k")
    refused(bucket, "k")
    clock.advance(1.9)
    refused(bucket, "k")
    clock.advance(0.1)
    bucket.hit("k")  # one token back after 2 s
    refused(bucket, "k")
    clock.advance(4.0)
    bucket.hit("k")
    bucket.hit("k")  # two more after another 4 s
    refused(bucket, "k")


def test_refill_stops_at_the_burst(clock: Clock) -> None:
    bucket = limiter(clock, burst=3, per=2.0)
    bucket.hit("k")
    clock.advance(3600)  # an hour idle gives back at most `burst` tokens
    for _ in range(3):
        bucket.hit("k")
    refused(bucket, "k")


def test_a_steady_pace_is_never_refused(clock: Clock) -> None:
    bucket = limiter(clock, burst=2, per=2.0)
    for _ in range(50):
        bucket.hit("k")
        clock.advance(2.0)


def test_keys_are_independent(clock: Clock) -> None:
    bucket = limiter(clock, burst=2, per=60.0)
    bucket.hit("ROOM01:p1")
    bucket.hit("ROOM01:p1")
    refused(bucket, "ROOM01:p1")
    # Someone else in the same room, and the same person in another room, are unaffected.
    for key in ("ROOM01:p2", "ROOM02:p1"):
        bucket.hit(key)
        bucket.hit(key)
        refused(bucket, key)
    assert refused(bucket, "ROOM01:p1").retry_after == 60


def test_forgetting_full_buckets_keeps_the_limits(clock: Clock) -> None:
    bucket = limiter(clock, burst=1, per=1.0)
    bucket.hit("idle")
    clock.advance(10)
    bucket.hit("busy")  # spent just now
    bucket._forget(clock())
    assert "busy" in bucket._buckets
    assert "idle" not in bucket._buckets  # refilled long ago: it held nothing
    refused(bucket, "busy")


def test_200000_addresses_do_not_grow_the_limiter_without_end(clock: Clock) -> None:
    """One bucket per address, each address seen once: idle buckets are dropped as the
    limiter goes, and it never holds more than max_keys."""
    bucket = RateLimiter(burst=20, per=3.0, clock=clock, max_keys=10_000)
    for n in range(200_000):
        bucket.spend(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
        clock.advance(0.01)  # 2,000 s in all: a bucket refills in 60 s
    assert bucket.size <= 60 / 0.01 + 256
    crowded = RateLimiter(burst=20, per=3.0, clock=clock, max_keys=10_000)
    for n in range(200_000):  # all at once: the cap holds
        crowded.spend(f"addr-{n}")
    assert crowded.size <= 10_000
    crowded.spend("addr-199999")
    assert crowded.wait("addr-199999") == 0  # the latest are kept, with their counts
    for _ in range(19):
        crowded.spend("addr-199999")
    assert crowded.wait("addr-199999") > 0


def test_take_and_give_reserve_a_token(clock: Clock) -> None:
    bucket = limiter(clock, burst=2, per=10.0)
    assert bucket.take("k") == 0
    assert bucket.take("k") == 0
    assert bucket.take("k") == 10  # none left: refused, nothing spent
    bucket.give("k")
    assert bucket.take("k") == 0
    bucket.give("k")
    bucket.give("k")
    bucket.give("k")  # never beyond the burst
    assert [bucket.take("k") for _ in range(3)] == [0, 0, 10]


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        ("testclient", "testclient"),
    ],
)
def test_ipv6_clients_are_counted_by_their_64(address: str, key: str) -> None:
    assert address_key(address) == key


def test_the_default_clock_is_monotonic() -> None:
    bucket = RateLimiter(burst=1, per=3600.0)
    bucket.hit("k")
    with pytest.raises(RateLimited) as caught:
        bucket.hit("k")
    assert 1 <= caught.value.retry_after <= 3600
