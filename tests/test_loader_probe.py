"""The DataLoader timing probe (probes/loader.py): what it measures and reports, that the batches
are always the loader's own, who owns a loader when several probes hold the tap, that the tap
goes away with the last holder, and that a `watch()` user gets `input-bound` (TV401) too."""

from __future__ import annotations

import time

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, Dataset, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import torchvitals
from torchvitals.probes import loader as loader_probe
from torchvitals.probes.loader import LoaderProbe
from torchvitals.run import run_script

TORCH_ITER = DataLoader.__iter__
EVENT_FIELDS = {"loader", "wait", "work", "batches", "steps", "first_wait", "num_workers", "pin_memory", "batch_size", "cuda"}


class Recorder:
    """A fake owner: keeps the events, counts backward passes, keeps what failed."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []
        self.backward = 0
        self.failures: list[str] = []

    def emit(self, kind: str, **fields) -> None:
        self.events.append((kind, fields))

    def passes(self) -> int:
        return self.backward

    def fail(self, what: str, exc: BaseException) -> None:
        self.failures.append(what)

    def probe(self, **kwargs) -> LoaderProbe:
        return LoaderProbe(self.emit, self.passes, self.fail, **kwargs)


def tensors(n: int = 40) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(n, 3, generator=g), torch.arange(n))


@pytest.fixture(autouse=True)
def tap_is_released():
    """Every test leaves DataLoader as torch has it, with no probe holding the tap."""
    yield
    assert loader_probe.holders() == 0
    assert DataLoader.__iter__ is TORCH_ITER


# ----------------------------------------------------------------------------- what it measures


def test_a_pass_is_one_event_with_the_dataloader_fields():
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    loader = DataLoader(tensors(40), batch_size=8)
    seen = 0
    for _ in loader:
        rec.backward += 1  # a training loader: backward passes while it is iterated
        seen += 1
    probe.close()
    assert seen == 5
    assert [k for k, _ in rec.events] == ["dataloader"]
    fields = rec.events[0][1]
    assert set(fields) == EVENT_FIELDS
    # The first batch's wait is kept apart: 4 batches counted of 5.
    assert fields["batches"] == 4 and fields["steps"] == 5
    assert fields["num_workers"] == 0 and fields["pin_memory"] is False and fields["batch_size"] == 8
    assert fields["loader"] == "DataLoader 1 over TensorDataset"
    assert min(fields["wait"], fields["work"], fields["first_wait"]) >= 0
    assert rec.failures == []


def test_an_evaluation_pass_has_no_steps_and_each_pass_reports_afresh():
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    loader = DataLoader(tensors(24), batch_size=4)
    for _ in range(2):
        for _ in loader:
            pass
    probe.close()
    assert [f["batches"] for _, f in rec.events] == [5, 5]
    assert [f["steps"] for _, f in rec.events] == [0, 0]


def test_a_pass_cut_short_is_reported_when_the_owner_closes():
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    loader = DataLoader(tensors(40), batch_size=4)
    for i, _ in enumerate(loader):
        if i == 6:
            break
    assert rec.events == []  # not before: the pass has not ended
    probe.close()
    assert [f["batches"] for _, f in rec.events] == [6]
    probe.close()  # twice is harmless and reports nothing more
    assert len(rec.events) == 1


def test_the_iterator_still_looks_like_the_loaders():
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    loader = DataLoader(tensors(40), batch_size=8)
    it = iter(loader)
    assert len(it) == len(loader) == 5
    next(it)
    assert it._num_yielded == 1  # the loader's own iterator's attributes pass through
    probe.close()
    assert len(list(it)) == 4  # after close the batches pass straight through


# ----------------------------------------------------------------------------- DistributedSampler


def _distributed_loader(data: TensorDataset, batch_sampler: bool = False) -> tuple[DataLoader, DistributedSampler]:
    # Explicit num_replicas and rank: a DistributedSampler needs no process group then.
    sampler = DistributedSampler(data, num_replicas=2, rank=0, shuffle=True, seed=0)
    if batch_sampler:
        return DataLoader(data, batch_sampler=BatchSampler(sampler, batch_size=4, drop_last=False)), sampler
    return DataLoader(data, batch_size=4, sampler=sampler), sampler


@pytest.mark.parametrize("batch_sampler", [False, True])
def test_a_distributed_sampler_is_read_as_each_pass_starts(batch_sampler):
    """The epoch is the one the pass ran with: set before the pass, not changed by what the
    loop does to the sampler afterwards; the order is the loader's own."""
    data = tensors(40)
    loader, sampler = _distributed_loader(data, batch_sampler)
    plain = []
    for epoch in (0, 1):
        sampler.set_epoch(epoch)
        plain.append([b[1].tolist() for b in loader])
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    timed = []
    for epoch in (0, 0, 1):
        sampler.set_epoch(epoch)
        timed.append([b[1].tolist() for b in loader])
        sampler.set_epoch(7)  # after the pass: not the epoch it ran with
    probe.close()
    assert timed == [plain[0], plain[0], plain[1]]
    assert [f["dist_sampler"] for _, f in rec.events] == [
        {"epoch": e, "shuffle": True, "rank": 0, "num_replicas": 2} for e in (0, 0, 1)
    ]
    assert set(rec.events[0][1]) == EVENT_FIELDS | {"dist_sampler"}
    assert rec.failures == [] and sampler.epoch == 7


def test_set_epoch_between_iter_and_the_first_batch_counts():
    loader, sampler = _distributed_loader(tensors(40))
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    it = iter(loader)
    sampler.set_epoch(3)  # the single-process sampler reads its epoch at the first batch
    list(it)
    probe.close()
    assert rec.events[0][1]["dist_sampler"]["epoch"] == 3


def test_a_loader_without_distributed_sampler_has_no_dist_sampler_field():
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    list(DataLoader(tensors(40), batch_size=4, shuffle=True))
    probe.close()
    assert "dist_sampler" not in rec.events[0][1]


def test_event_fields_keep_lists_and_dicts():
    """A dict of a sampler's state (or a list of ranks) reaches the record as JSON, not as its
    text; what cannot be JSON still becomes text, and nesting is bounded."""
    from torchvitals.probes.values import jsonable

    assert jsonable({"epoch": 2, "shuffle": True, "x": torch.tensor([1.0, 3.0])}) == {"epoch": 2, "shuffle": True, "x": 2.0}
    assert jsonable((1, None, "a", [0.12345678])) == [1, None, "a", [0.123457]]
    assert jsonable({1: object}) == {"1": str(object)}
    assert jsonable([[[[1]]]]) == [[["[1]"]]]


def test_an_odd_distributed_sampler_never_raises():
    class Odd(DistributedSampler):
        @property
        def epoch(self):  # a subclass whose epoch cannot be read
            raise RuntimeError("no epoch here")

        @epoch.setter
        def epoch(self, value):
            pass

        def __iter__(self):
            return iter(range(0, 40, 2))

    data = tensors(40)
    loader = DataLoader(data, batch_size=4, sampler=Odd(data, num_replicas=2, rank=0))
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    assert sum(len(b[1]) for b in loader) == 20
    probe.close()
    assert rec.failures == [] and "dist_sampler" not in rec.events[0][1]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 30), batch=st.integers(1, 7), drop_last=st.booleans())
def test_the_batches_are_the_loaders_own(n, batch, drop_last):
    data = tensors(n) if n else TensorDataset(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))
    loader = DataLoader(data, batch_size=batch, drop_last=drop_last)
    plain = [b[1].tolist() for b in loader]
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    try:
        timed = [b[1].tolist() for b in loader]
    finally:
        probe.close()
    assert timed == plain
    counted = sum(f["batches"] for _, f in rec.events)
    assert counted == max(len(plain) - 1, 0)


# ----------------------------------------------------------------------------- failures stay inside


def test_a_failing_owner_never_reaches_the_loop():
    def broken_emit(kind, **fields):
        raise RuntimeError("emit broke")

    def broken_count():
        raise RuntimeError("count broke")

    failures = []
    loader = DataLoader(tensors(20), batch_size=4)
    for emit, count in ((broken_emit, lambda: 0), (lambda kind, **f: None, broken_count)):
        probe = LoaderProbe(emit, count, lambda what, exc: failures.append((what, str(exc))))
        probe.time_all()
        try:
            assert [b[1].tolist() for b in loader] == [b[1].tolist() for b in DataLoader(tensors(20), batch_size=4)]
        finally:
            probe.close()
    assert ("timing a DataLoader", "emit broke") in failures
    assert ("timing a DataLoader", "count broke") in failures


def test_a_probe_that_stops_on_failure_lets_go_of_the_tap():
    failures = []

    def broken_emit(kind, **fields):
        raise RuntimeError("emit broke")

    probe = LoaderProbe(broken_emit, lambda: 0, lambda what, exc: failures.append(what), stop_on_failure=True)
    probe.time_all()
    loader = DataLoader(tensors(20), batch_size=4)
    assert len(list(loader)) == 5
    assert probe.off and loader_probe.holders() == 0 and DataLoader.__iter__ is TORCH_ITER
    assert len(list(loader)) == 5  # the next pass is not timed
    assert failures == ["timing a DataLoader"]
    probe.close()


def test_watch_wants_a_dataloader():
    probe = Recorder().probe()
    with pytest.raises(TypeError, match="expects a torch.utils.data.DataLoader, got list"):
        probe.watch([1, 2, 3])
    probe.close()


# ----------------------------------------------------------------------------- who owns a loader


def test_the_most_recent_automatic_probe_times_a_loader():
    first, second = Recorder(), Recorder()
    p1, p2 = first.probe(), second.probe()
    p1.time_all()
    p2.time_all()
    for _ in DataLoader(tensors(12), batch_size=2):
        pass
    assert len(second.events) == 1 and first.events == []
    p2.close()
    for _ in DataLoader(tensors(12), batch_size=2):
        pass
    p1.close()
    assert len(first.events) == 1 and len(second.events) == 1


def test_a_loader_given_to_a_probe_is_its_own_and_an_exclusive_probe_takes_all():
    older, newer, session = Recorder(), Recorder(), Recorder()
    p_old, p_new = older.probe(), newer.probe()
    p_old.time_all()
    p_new.time_all()
    mine = p_old.watch(DataLoader(tensors(12), batch_size=2))
    other = DataLoader(tensors(12), batch_size=2)
    for _ in mine:
        pass
    for _ in other:
        pass
    assert len(older.events) == 1 and len(newer.events) == 1
    p_run = session.probe()
    p_run.time_all(exclusive=True)
    for _ in mine:
        pass
    assert len(session.events) == 1 and len(older.events) == 1
    for p in (p_run, p_new, p_old):
        p.close()


def test_the_tap_is_put_back_only_when_the_last_holder_leaves():
    a, b = Recorder().probe(), Recorder().probe()
    a.time_all()
    b.watch(DataLoader(tensors(4), batch_size=2))
    assert loader_probe.holders() == 2 and DataLoader.__iter__ is not TORCH_ITER
    a.close()
    assert loader_probe.holders() == 1 and DataLoader.__iter__ is not TORCH_ITER
    b.close()
    assert loader_probe.holders() == 0 and DataLoader.__iter__ is TORCH_ITER


def test_a_patch_laid_over_the_tap_is_left_in_place_and_the_tap_goes_quiet(monkeypatch):
    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    ours = DataLoader.__iter__
    calls = []

    def theirs(loader):
        calls.append(1)
        return ours(loader)

    monkeypatch.setattr(DataLoader, "__iter__", theirs)
    probe.close()
    assert DataLoader.__iter__ is theirs  # not ours to take away
    for _ in DataLoader(tensors(8), batch_size=2):
        pass
    assert calls == [1] and rec.events == []  # our wrapper under theirs passes straight through
    monkeypatch.undo()  # puts back what it replaced: our (quiet) wrapper
    assert DataLoader.__iter__.__wrapped__ is TORCH_ITER
    again = rec.probe()
    again.time_all()  # a new holder unwraps it rather than stacking a second wrapper on it
    assert DataLoader.__iter__.__wrapped__ is TORCH_ITER
    for _ in DataLoader(tensors(8), batch_size=2):
        pass
    again.close()
    assert [f["batches"] for _, f in rec.events] == [3]


# ----------------------------------------------------------------------------- a watch() user


class SlowDataset(Dataset):
    """Per-item work (a sleep standing in for decoding a file) in the main process."""

    def __init__(self, n: int) -> None:
        self.x, self.y = torch.randn(n, 8), torch.randn(n, 1)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        time.sleep(0.02)
        return self.x[i], self.y[i]


def train(loader: DataLoader, tmp_path, epochs: int = 1) -> tuple[torchvitals.Diagnosis, list[dict]]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), console=False)
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    diag = mon.close()
    return diag, [e for e in mon.history.events if e.get("kind") == "dataloader"]


def test_a_watch_user_with_a_slow_loader_is_told_input_bound(tmp_path):
    # 80 ms of loading per batch against a step of a 2-layer MLP on 4 rows.
    diag, events = train(DataLoader(SlowDataset(48), batch_size=4), tmp_path)
    assert [e["batches"] for e in events] == [11] and events[0]["steps"] == 12
    assert [(f.code, f.name, f.where) for f in diag.at_least("warning")] == [("TV401", "input-bound", ["DataLoader 1 over SlowDataset"])]


def test_a_watch_user_with_an_in_memory_loader_is_judged_and_silent(tmp_path):
    data = TensorDataset(torch.randn(480, 8), torch.randn(480, 1))
    diag, events = train(DataLoader(data, batch_size=16, shuffle=True), tmp_path, epochs=2)
    assert [e["batches"] for e in events] == [29, 29]
    assert "input-bound" not in diag.unjudged  # the loader was timed and judged
    assert diag.at_least("warning") == []


def test_watch_loader_keeps_a_loader_with_its_monitor(tmp_path):
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    other = nn.Linear(3, 1)
    mine = torchvitals.watch(model, opt, out=str(tmp_path / "a"), console=False)
    loader = DataLoader(tensors(12), batch_size=2)
    assert mine.watch_loader(loader) is loader
    with pytest.raises(TypeError, match="expects a torch.utils.data.DataLoader, got list_iterator"):
        mine.watch_loader(iter([1]))
    other_opt = torch.optim.SGD(other.parameters(), lr=0.01)  # kept: a monitor closes with its optimizer
    later = torchvitals.watch(other, other_opt, out=str(tmp_path / "b"), console=False)
    for x, _ in loader:
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    for _ in DataLoader(tensors(12), batch_size=2):  # not given to anyone: the latest monitor's
        pass
    later.close()
    mine.close()
    got = {name: [e["steps"] for e in m.history.events if e.get("kind") == "dataloader"] for name, m in (("mine", mine), ("later", later))}
    assert got == {"mine": [6], "later": [0]}


def test_a_loader_iterated_after_close_is_untouched(tmp_path):
    model = nn.Linear(3, 1)
    mon = torchvitals.watch(model, torch.optim.SGD(model.parameters(), lr=0.01), out=str(tmp_path), console=False)
    loader = DataLoader(tensors(8), batch_size=2)
    it = iter(loader)
    next(it)
    mon.close()
    assert len(list(it)) == 3 and len(list(loader)) == 4
    assert mon.watch_loader(loader) is loader  # a closed monitor takes nothing


# ----------------------------------------------------------------------------- torchvitals run


def test_torchvitals_run_reports_each_pass_once(tmp_path):
    """The session times every loader of the script; its monitor's own probe stands aside."""
    script = tmp_path / "train.py"
    script.write_text(
        "import torch\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "data = TensorDataset(torch.randn(64, 4), torch.randn(64, 1))\n"
        "train_loader = DataLoader(data, batch_size=8)\n"
        "model = torch.nn.Linear(4, 1)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.01)\n"
        "for epoch in range(3):\n"
        "    for x, y in train_loader:\n"
        "        opt.zero_grad()\n"
        "        torch.nn.functional.mse_loss(model(x), y).backward()\n"
        "        opt.step()\n"
    )
    code, diag = run_script(str(script), [], {"out": str(tmp_path / "runs"), "name": "r", "console": False})
    assert code == 0
    events = [e for e in diag_events(tmp_path / "runs" / "r") if e.get("kind") == "dataloader"]
    assert [(e["loader"], e["batches"], e["steps"]) for e in events] == [("train_loader", 7, 8)] * 3
    assert diag.summary["epochs"] == 3


def diag_events(run_dir) -> list[dict]:
    import json

    lines = (run_dir / "run.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r.get("type") == "event"]


def test_the_probe_holds_its_monitor_weakly():
    """A script that drops its model, optimizer and monitor frees them by reference counting
    alone, after iterating a DataLoader, as it does without the probe."""
    import gc
    import weakref

    # The process's first optimizer can be kept by a traceback cycle inside torch's own first
    # set-up: make one before counting.
    torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    gc.collect()
    gc.disable()
    try:
        model = nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        mon = torchvitals.watch(model, opt, out="", console=False)
        for x, _ in DataLoader(tensors(8), batch_size=2):
            opt.zero_grad()
            model(x).sum().backward()
            opt.step()
        refs = [weakref.ref(model), weakref.ref(opt), weakref.ref(mon)]
        del model, opt, mon, x
        assert [r() for r in refs] == [None, None, None]
    finally:
        gc.enable()


def test_a_loader_made_where_a_freed_one_was_is_a_new_loader():
    """karpathy/makemore makes a DataLoader inside evaluate() for the training set, then another
    for the test set: CPython may give the second the first's address. Keyed by id(), the second
    pass was told as the first loader's (its name, its dataset)."""
    import gc

    rec = Recorder()
    probe = rec.probe()
    probe.time_all()
    train, test = tensors(40), tensors(24)
    keys, names = [], []
    for ds in (train, test, train):
        loader = DataLoader(ds, batch_size=8)
        for _ in loader:
            pass
        keys.append(probe.key(loader))
        names.append(probe.timing(loader).name)
        assert probe.timing(loader).data() is ds
        del loader
        gc.collect()
    probe.close()
    assert len(set(keys)) == 3 and len(set(names)) == 3, (keys, names)
