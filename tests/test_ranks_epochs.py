"""The exchange of an epoch's numbers between ranks (torchvitals/ranks_epochs.py), on an
in-process store with a clock that only the exchange's own waiting moves: whom rank 0 waits for
at an epoch's end, for how long, and how the sums of several ranks add up to the job's metrics."""

from __future__ import annotations

import math

import pytest
import torch

from torchvitals import ranks, ranks_epochs
from torchvitals.probes.outputs import OutputProbe
from torchvitals.probes.sums import add_split_sums, split_metrics

pytestmark = pytest.mark.skipif(not torch.distributed.is_available(), reason="no torch.distributed")


class Clock:
    """time.monotonic and time.sleep for the exchange: sleeping moves the clock, nothing else does."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(ranks_epochs, "time", c)
    return c


def exchanges(world: int, watching: tuple[int, ...] = (), timeout: float = 30.0) -> list[ranks_epochs.EpochExchange]:
    store = torch.distributed.HashStore()
    chans = [ranks.Channel(store, seq=1, rank=r, world=world, timeout=timeout, live=list(range(1, world))) for r in range(world)]
    for r in watching:
        store.set(chans[r].key("present", r), b"1")  # what open_channel sets for a watching rank
    return [ranks_epochs.EpochExchange(c) for c in chans]


def publish(ex: ranks_epochs.EpochExchange, epoch: int, samples: int) -> None:
    ex.publish(ranks_epochs.EpochReport(ex.chan.rank, epoch, {"sums": {}, "samples": samples}))


def test_every_ranks_numbers_are_read_at_once_and_the_log_emptied(clock):
    ex = exchanges(8, watching=tuple(range(1, 8)))
    for r in range(1, 8):
        publish(ex[r], 1, 10 * r)
    got, late = ex[0].gather(1)
    assert sorted((g.rank, g.numbers["samples"]) for g in got) == [(r, 10 * r) for r in range(1, 8)] and late == []
    assert clock.slept == 0.0
    assert ex[0].chan.store.compare_set(ex[0].chan.key("epochs"), b"", b"") == b""


def test_a_rank_that_does_not_watch_is_not_waited_for(clock):
    ex = exchanges(2)  # watch() on rank 0 only: rank 1 never opened its exchange
    got, late = ex[0].gather(1)
    assert got == [] and late == [] and clock.slept == 0.0


def test_a_watching_rank_without_epochs_costs_the_grace_once_and_counts_again_when_it_comes(clock):
    """A script that calls epoch_end on rank 0 only: rank 0 waits FIRST_EPOCH_GRACE at the first
    epoch, then no more; a rank whose numbers come again is combined and waited for again, then
    (having given numbers before) up to the whole timeout."""
    ex = exchanges(2, watching=(1,), timeout=30.0)
    got, late = ex[0].gather(1)
    assert got == [] and late == [1]
    assert ranks_epochs.FIRST_EPOCH_GRACE <= clock.slept < ranks_epochs.FIRST_EPOCH_GRACE + 0.1
    clock.slept = 0.0
    assert ex[0].gather(2) == ([], []) and clock.slept == 0.0
    publish(ex[1], 3, 7)
    got, late = ex[0].gather(3)
    assert [g.numbers["samples"] for g in got] == [7] and late == [] and clock.slept == 0.0
    got, late = ex[0].gather(4)
    assert got == [] and late == [1] and 30.0 <= clock.slept < 30.1


def test_numbers_of_a_later_epoch_wait_for_it(clock):
    ex = exchanges(2, watching=(1,))
    publish(ex[1], 1, 5)
    publish(ex[1], 2, 6)
    assert [g.numbers["samples"] for g in ex[0].gather(1)[0]] == [5]
    assert [g.numbers["samples"] for g in ex[0].gather(2)[0]] == [6] and clock.slept == 0.0


def test_a_rank_that_closes_right_after_its_last_epoch_is_read_once_more(clock):
    """Rank 1 gives its last epoch's numbers and closes between rank 0's read of the log and its
    question whether rank 1 closed: its numbers are taken, not given up."""
    ex = exchanges(2, watching=(1,), timeout=30.0)
    store = ex[0].chan.store
    inner_check = store.check
    asked = []

    class Store:
        def __getattr__(self, name):
            return getattr(store, name)

        def check(self, keys):
            if keys == [ex[0].chan.key("closed", 1)] and not asked:
                asked.append(1)
                publish(ex[1], 1, 9)
                ranks.close_channel(ex[1].chan)
            return inner_check(keys)

    ex[0].chan.store = Store()
    got, late = ex[0].gather(1)
    assert [g.numbers["samples"] for g in got] == [9] and late == []


def test_a_closed_rank_is_not_waited_for(clock):
    ex = exchanges(3, watching=(1, 2), timeout=30.0)
    publish(ex[1], 1, 4)
    ranks.close_channel(ex[2].chan)
    got, late = ex[0].gather(1)
    assert [g.rank for g in got] == [1] and late == [2] and clock.slept == 0.0


def _observed(batches, split: str) -> dict:
    probe = OutputProbe()
    for pred, target, loss in batches:
        probe.observe(pred, target, loss, None, split, sampled=False)
    return probe.take_epoch_sums()


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_ranks_sums_add_up_to_the_metrics_of_all_their_batches(task):
    """Rank 1 saw a class rank 0 never did (its class counts are longer): the padded sum of both
    ranks' sums gives the metrics one process gets from all the batches."""
    g = torch.Generator().manual_seed(4)
    batches = []
    for i in range(6):
        n = 8 if i < 5 else 3  # a short last batch weighs less in the loss
        if task == "classification":
            y = torch.randint(0, 2 if i % 2 == 0 else 4, (n,), generator=g)
            pred = torch.randn(n, 4, generator=g)
            loss = torch.nn.functional.cross_entropy(pred, y)
        else:
            y, pred = torch.randn(n, generator=g), torch.randn(n, generator=g)
            loss = torch.nn.functional.mse_loss(pred, y)
        batches.append((pred, y, loss))
    whole = _observed(batches, "val")
    rank0, rank1 = _observed(batches[0::2], "val"), _observed(batches[1::2], "val")
    wire = {split: [raw, task] for split, (raw, task) in rank1.items()}
    combined = add_split_sums(rank0, wire)
    want, got = split_metrics(*whole["val"]), split_metrics(*combined["val"])
    assert set(got) == set(want) and len(want) >= 5
    for key in want:
        assert math.isclose(got[key], want[key], rel_tol=1e-6, abs_tol=1e-12), key  # losses are float32
    assert split_metrics(*rank0["val"])["loss"] != want["loss"]


def test_a_split_only_another_rank_saw_is_taken_whole():
    combined = add_split_sums({}, {"val": [{"loss_sum": 6.0, "loss_n": 3.0}, None], "junk": 3})
    assert split_metrics(*combined["val"]) == {"loss": 2.0}


def test_the_wait_for_the_other_ranks_is_no_epochs_time(monkeypatch, tmp_path):
    """Rank 0's wait at an epoch's end (here 100 s of a fake clock) is counted in neither that
    epoch's seconds nor the next one's: before, the next epoch's T and TP carried it."""
    from torch import nn

    import torchvitals
    from torchvitals.monitor import epochs as epochs_mod

    now = [0.0]
    monkeypatch.setattr(epochs_mod.time, "perf_counter", lambda: now[0])

    class Slow:
        def gather(self, epoch: int):
            now[0] += 100.0
            return [], []

    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)  # held: the monitor holds it weakly
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    monkeypatch.setattr(mon, "_epochs_exchange", lambda: Slow())
    mon._epoch_t0 = 0.0
    now[0] = 1.0
    mon.epoch_end()
    now[0] += 2.0
    mon.epoch_end()
    mon.close()
    assert [e["seconds"] for e in mon.history.epochs] == [1.0, 2.0]
