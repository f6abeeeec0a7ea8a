"""The retry policy: exponential backoff with jitter, Retry-After honoured, a limit."""

from accounting_sync.domain import retry
from accounting_sync.domain.retry import backoff_delay, gives_up, parse_retry_after, throttled_delay
from accounting_sync.pacing import CallPacer


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


def test_a_throttled_row_waits_for_retry_after_plus_jitter():
    assert throttled_delay(10, fallback=5, rng=lambda: 0.0) == 10
    assert throttled_delay(10, fallback=5, rng=lambda: 1.0) == 15
    assert throttled_delay(0, fallback=5, rng=lambda: 1.0) == 1, "at least a second's spread"
    assert throttled_delay(None, fallback=5, rng=lambda: 0.0) == 5


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_pacing_allows_a_short_burst_then_spaces_calls_to_the_rate():
    clock = Clock()
    pacer = CallPacer(180, sleep=clock.sleep, clock=clock)
    for _ in range(18):  # a tenth of a minute's calls at once
        pacer.wait("biz")
    assert clock.slept == []
    pacer.wait("biz")
    pacer.wait("biz")
    assert [round(s, 3) for s in clock.slept] == [0.333, 0.333]
    pacer.wait("other-biz")
    assert len(clock.slept) == 2, "each business has its own budget"


def test_pacing_keeps_any_minute_under_sages_limit():
    clock = Clock()
    pacer = CallPacer(180, sleep=clock.sleep, clock=clock)
    start, calls = clock.now, 0
    while clock.now - start < 60:
        pacer.wait("biz")
        calls += 1
    assert 180 <= calls <= 198


def test_pacing_threads_queue_behind_each_other_and_zero_turns_it_off():
    clock = Clock()
    pacer = CallPacer(60, clock=clock)  # 1 a second, a burst of 6
    delays = [pacer.delay("biz") for _ in range(9)]  # 9 threads asking at the same instant
    assert delays == [0, 0, 0, 0, 0, 0, 1, 2, 3]
    assert CallPacer(0).delay("biz") == 0


def test_a_waiting_posting_looks_again_after_a_quarter_of_its_wait_within_bounds():
    assert retry.wait_delay(0, 5, 300) == 5
    assert retry.wait_delay(60, 5, 300) == 15
    assert retry.wait_delay(3600, 5, 300) == 300
