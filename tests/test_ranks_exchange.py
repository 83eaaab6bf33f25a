"""The exchange of sampled numbers between ranks (torchvitals/ranks.py), on an in-process store:
ranks > 0 append to one log key per optimizer, rank 0 reads and empties it in two round trips
whatever the number of ranks, and loses nothing appended while it reads."""

from __future__ import annotations

import time

import pytest
import torch

from torchvitals import ranks

pytestmark = pytest.mark.skipif(not torch.distributed.is_available(), reason="no torch.distributed")


class CountingStore:
    """A HashStore that counts the calls that wait for an answer (every call but append/set),
    and can run something between rank 0's read of the log and its emptying."""

    def __init__(self) -> None:
        self.inner = torch.distributed.HashStore()
        self.answered = 0
        self.before_clear: list = []

    def append(self, key: str, value: bytes) -> None:
        self.inner.append(key, value)

    def set(self, key: str, value: bytes) -> None:
        self.inner.set(key, value)

    def check(self, keys: list[str]) -> bool:
        self.answered += 1
        return self.inner.check(keys)

    def get(self, key: str) -> bytes:
        self.answered += 1
        return self.inner.get(key)

    def compare_set(self, key: str, expected: bytes, desired: bytes) -> bytes:
        self.answered += 1
        if expected and self.before_clear:
            self.before_clear.pop(0)()  # another rank appends between the read and the emptying
        return self.inner.compare_set(key, expected, desired)


def channels(store, world: int, timeout: float = 5.0) -> list[ranks.Channel]:
    return [ranks.Channel(store, seq=1, rank=r, world=world, timeout=timeout, live=list(range(1, world))) for r in range(world)]


def report(rank: int, it: int) -> ranks.Report:
    return ranks.Report(rank, it, True, it, None, [float(rank), float(it)], [rank])


def test_every_rank_read_in_two_round_trips_and_the_log_emptied():
    store = CountingStore()
    chans = channels(store, 8)
    for r in range(1, 8):
        ranks.publish(chans[r], 0, report(r, 50))
    before = store.answered
    got, lost = ranks.gather(chans[0], 0, 50)
    assert sorted(g.rank for g in got) == list(range(1, 8)) and lost == []
    assert [g.values for g in sorted(got, key=lambda g: g.rank)] == [[float(r), 50.0] for r in range(1, 8)]
    assert store.answered - before == 2
    assert store.inner.get(chans[0].key("log", 0)) == b""


def test_ranks_publish_without_waiting_but_ask_now_and_then_whether_rank_0_listens():
    store = CountingStore()
    chans = channels(store, 2)
    for it in range(1, ranks.STOP_CHECK_EVERY + 1):
        ranks.publish(chans[1], 0, report(1, it))
    assert store.answered == 1  # the first publish asked; the next fifteen did not


def test_nothing_appended_while_rank_0_reads_is_lost():
    store = CountingStore()
    chans = channels(store, 3, timeout=0.05)
    ranks.publish(chans[1], 0, report(1, 10))
    store.before_clear = [lambda: ranks.publish(chans[2], 0, report(2, 10)), lambda: ranks.publish(chans[1], 0, report(1, 20))]
    got, lost = ranks.gather(chans[0], 0, 10)
    assert sorted(g.rank for g in got) == [1, 2] and lost == []
    got, lost = ranks.gather(chans[0], 0, 20)  # rank 1's next report, read with the others, kept
    assert [g.values for g in got] == [[1.0, 20.0]] and lost == [2]  # rank 2 never sent one for 20


def test_reports_for_a_later_iteration_wait_for_it():
    store = CountingStore()
    chans = channels(store, 2, timeout=0.05)
    ranks.publish(chans[1], 0, report(1, 1))
    ranks.publish(chans[1], 0, report(1, 2))  # rank 1 ran ahead by one sample
    assert [g.it for g in ranks.gather(chans[0], 0, 1)[0]] == [1]
    before = store.answered
    assert [g.it for g in ranks.gather(chans[0], 0, 2)[0]] == [2]
    assert store.answered == before  # read with the first: no trip to the store
    assert chans[0].inbox == {}


def test_optimizers_have_their_own_logs():
    store = torch.distributed.HashStore()
    chans = channels(store, 2)
    ranks.publish(chans[1], 0, report(1, 5))
    ranks.publish(chans[1], 1, ranks.Report(1, 5, True, 5, None, [9.0], []))
    assert ranks.gather(chans[0], 1, 5)[0][0].values == [9.0]
    assert ranks.gather(chans[0], 0, 5)[0][0].values == [1.0, 5.0]


def test_a_rank_that_closed_is_not_waited_for():
    store = torch.distributed.HashStore()
    chans = channels(store, 3, timeout=30.0)
    ranks.publish(chans[1], 0, report(1, 7))
    ranks.close_channel(chans[2])
    t0 = time.monotonic()
    got, lost = ranks.gather(chans[0], 0, 7)
    assert time.monotonic() - t0 < 25.0  # not the 30 s timeout
    assert [g.rank for g in got] == [1] and lost == [2]
    assert chans[0].live == [1]


def test_a_last_report_appended_just_before_its_rank_closed_is_taken():
    """Rank 1 publishes its last iteration and closes between rank 0's read of the log and its
    question whether rank 1 closed: the report is there, read once more, not given up."""
    store = CountingStore()
    chans = channels(store, 2, timeout=5.0)
    asked = {"n": 0}
    inner_check = store.check

    def check(keys):
        if keys == [chans[0].key("closed", 1)] and asked["n"] == 0:
            asked["n"] += 1
            ranks.publish(chans[1], 0, report(1, 12))
            ranks.close_channel(chans[1])
        return inner_check(keys)

    store.check = check
    got, lost = ranks.gather(chans[0], 0, 12)
    assert [g.rank for g in got] == [1] and lost == []


def test_a_silent_rank_is_given_up_after_the_timeout_and_told_to_stop():
    store = torch.distributed.HashStore()
    chans = channels(store, 2, timeout=0.05)
    got, lost = ranks.gather(chans[0], 0, 3)
    assert got == [] and lost == [1] and chans[0].live == []
    ranks.publish(chans[1], 0, report(1, 3))  # its next publish asks, hears stop, and stops
    assert chans[1].live == []
    assert store.compare_set(chans[0].key("log", 0), b"", b"") == b""


def test_a_report_that_arrives_while_rank_0_waits_is_taken():
    store = CountingStore()
    chans = channels(store, 2, timeout=5.0)
    late = [lambda: None, lambda: ranks.publish(chans[1], 0, report(1, 4))]

    def read_log(key: str, expected: bytes, desired: bytes) -> bytes:
        if not expected and late:
            late.pop(0)()  # rank 1's report lands between two of rank 0's looks
        return store.inner.compare_set(key, expected, desired)

    store.compare_set = read_log  # type: ignore[method-assign]
    got, lost = ranks.gather(chans[0], 0, 4)
    assert [g.rank for g in got] == [1] and lost == []


def test_a_restarted_job_does_not_read_the_keys_its_failed_attempt_left(monkeypatch):
    """torchrun --max-restarts keeps its agent's store for every attempt of a job. The attempt
    that failed left a report, rank 1's "closed" and rank 0's "stop" and the run's name there;
    the next attempt's ranks, numbering their monitors from 1 again, must see none of them:
    before, rank 0 took rank 1 for finished at iteration 1 and judged nothing across ranks."""
    store = torch.distributed.HashStore()
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "0")
    first = channels(store, 2, timeout=5.0)
    store.set(ranks._run_name_key(1), b"20261202-job")
    ranks.publish(first[1], 0, ranks.Report(1, 1, True, 1, None, [666.0], [1]))
    ranks.close_channel(first[1])  # rank 1 failed, its monitor closed
    ranks.close_channel(first[0])  # torchrun stopped rank 0: it tells rank 1 to stop
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "1")
    assert not store.check([ranks._run_name_key(1)])  # rank 1 waits for this attempt's name
    again = channels(store, 2, timeout=5.0)
    assert not ranks.closed(again[0], 1)
    ranks.publish(again[1], 0, report(1, 1))  # its first publish asks whether rank 0 listens: yes
    assert again[1].live == [1]
    got, lost = ranks.gather(again[0], 0, 1)
    assert [g.values for g in got] == [[1.0, 1.0]] and lost == []  # this attempt's report only


def test_a_restarted_attempt_writes_its_own_run_directory_named_for_the_restart(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from torchvitals.monitor.epochs import RunNaming

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "job7")
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "0")
    mon = SimpleNamespace(opts=SimpleNamespace(out=str(tmp_path), name=""), rank=0, world=2)
    first = RunNaming._free_name(mon)
    assert first.endswith("-job7")
    (tmp_path / first).mkdir()
    (tmp_path / first / "run.rank0.jsonl").write_text("")
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "1")
    assert RunNaming._free_name(mon) == first + "-restart1"
    assert ranks.describe()["restart"] == 1  # the header says which attempt wrote the records
    mon.opts.name = "nightly"  # a name given by the user (or by `torchvitals run --nproc`)
    assert RunNaming._free_name(mon) == "nightly-restart1"


def test_a_rank_that_never_watches_is_given_up_at_once_when_ranks_train_in_step(monkeypatch):
    """watch() on rank 0 only: rank 1 never opens its exchange. Under DDP the ranks train in
    step, so rank 0 does not wait the whole timeout for it (it stalled the job 60 s before)."""
    monkeypatch.setattr(ranks, "ABSENT_GRACE", 0.0)
    store = torch.distributed.HashStore()
    rank0 = ranks.Channel(store, seq=1, rank=0, world=2, timeout=30.0, live=[1])
    t0 = time.monotonic()
    got, lost = ranks.gather(rank0, 0, 1, in_step=True)
    assert time.monotonic() - t0 < 25.0 and got == [] and lost == [1]


def test_a_watching_rank_is_waited_for_even_when_ranks_train_in_step(monkeypatch):
    """A rank that opened its exchange and is merely late still gets the timeout."""
    monkeypatch.setattr(ranks, "ABSENT_GRACE", 0.0)
    store = CountingStore()
    chans = channels(store, 2, timeout=5.0)
    store.inner.set(chans[1].key("present", 1), b"1")  # what open_channel sets for a watching rank
    late = [lambda: None, lambda: None, lambda: ranks.publish(chans[1], 0, report(1, 4))]

    def read_log(key: str, expected: bytes, desired: bytes) -> bytes:
        if not expected and late:
            late.pop(0)()
        return store.inner.compare_set(key, expected, desired)

    store.compare_set = read_log  # type: ignore[method-assign]
    got, lost = ranks.gather(chans[0], 0, 4, in_step=True)
    assert [g.rank for g in got] == [1] and lost == []
