"""The retry policy: exponential backoff with jitter, Retry-After honoured, a limit."""

from accounting_sync.domain.retry import backoff_delay, gives_up, parse_retry_after


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half():
    lows = [backoff_delay(n, base=2, cap=60, rng=lambda: 0.0) for n in range(1, 8)]
    highs = [backoff_delay(n, base=2, cap=60, rng=lambda: 1.0) for n in range(1, 8)]
    assert lows == [1, 2, 4, 8, 16, 30, 30]
    assert highs == [2, 4, 8, 16, 32, 60, 60]


def test_retry_after_is_a_floor():
    assert backoff_delay(1, base=2, cap=60, retry_after=7, rng=lambda: 0.5) == 7
    assert backoff_delay(5, base=2, cap=60, retry_after=1, rng=lambda: 0.0) == 16


def test_the_limit():
    assert not gives_up(3, 4)
    assert gives_up(4, 4)


def test_retry_after_header_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after(None) is None
