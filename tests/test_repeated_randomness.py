"""repeated-randomness (TV605): the forked-worker experiment (probes/worker_rng.py) on Datasets
whose randomness does and does not repeat, the rule over recorded events (with a healthy control
for each fault), and one real training loop with DataLoader workers: found live, found the same
from run.jsonl, and the batches the loop receives are exactly those of an unwatched run."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

import torchvitals
from torchvitals.offline import diagnose
from torchvitals.probes.worker_rng import DRAWS, confirm_epochs, fingerprint, measure
from torchvitals.record import History
from torchvitals.rules import RULES, CannotJudge


class Noisy(Dataset):
    """Items with noise from a generator of the kind given: owned ones repeat in workers."""

    def __init__(self, kind: str, n: int = 16) -> None:
        self.kind, self.x = kind, torch.linspace(-1, 1, n).reshape(n, 1).repeat(1, 4)
        self.rng = {"RandomState": np.random.RandomState(0), "Random": random.Random(0),
                    "default_rng": np.random.default_rng(0), "Generator": torch.Generator().manual_seed(0)}.get(kind)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        k, rng = self.kind, self.rng
        if k == "RandomState" or k == "default_rng":
            noise = torch.tensor(rng.normal(size=4) if k == "RandomState" else rng.standard_normal(4))
        elif k == "Random":
            noise = torch.tensor([rng.random() for _ in range(4)])
        elif k == "Generator":
            noise = torch.randn(4, generator=rng, dtype=torch.float64)
        elif k == "np.random":
            noise = torch.tensor(np.random.normal(size=4))
        else:  # "torch": the global generator
            noise = torch.randn(4, dtype=torch.float64)
        return self.x[i] + noise.float(), self.x[i, :1]


def reseed(_: int) -> None:
    info = get_worker_info()
    info.dataset.rng = np.random.RandomState(info.seed % 2**32)


# ------------------------------------------------------------------------- the experiment


@pytest.mark.parametrize("kind", ["RandomState", "Generator"])  # Random, default_rng: the same (module doc)
def test_a_generator_the_dataset_owns_repeats_in_every_worker_and_epoch(kind):
    loader = DataLoader(Noisy(kind), batch_size=4, num_workers=2, shuffle=True)
    got = measure(loader)
    assert got["draws"] == DRAWS and got["distinct"] == DRAWS and got["same_workers"] is True
    assert confirm_epochs(loader, got["_first"]) == {"pass": 2, "draws": DRAWS, "same_epochs": True}


def test_the_global_generators_torch_reseeds_do_not_repeat():
    for kind in ("np.random", "torch"):
        loader = DataLoader(Noisy(kind), batch_size=4, num_workers=2)
        got = measure(loader)
        assert got["distinct"] == DRAWS and got["same_workers"] is False, kind
        assert confirm_epochs(loader, got["_first"])["same_epochs"] is False, kind


def test_a_worker_init_fn_that_reseeds_from_the_worker_seed_fixes_it():
    loader = DataLoader(Noisy("RandomState"), batch_size=4, num_workers=2, worker_init_fn=reseed)
    got = measure(loader)
    assert got["worker_init_fn"] is True and got["same_workers"] is False
    assert confirm_epochs(loader, got["_first"])["same_epochs"] is False


class EpochSeeded(Noisy):
    """Reseeded in each worker from the worker id and an epoch the loop sets."""

    epoch = 0


def seed_by_id_and_epoch(worker_id: int) -> None:
    ds = get_worker_info().dataset
    ds.rng = np.random.RandomState(1000 * ds.epoch + worker_id)


def test_epochs_repeat_when_the_seed_comes_from_the_worker_id_alone_not_when_the_loop_sets_an_epoch():
    ds = EpochSeeded("RandomState")
    loader = DataLoader(ds, batch_size=4, num_workers=2, worker_init_fn=seed_by_id_and_epoch)
    got = measure(loader)
    assert got["same_workers"] is False
    assert confirm_epochs(loader, got["_first"])["same_epochs"] is True  # the loop changed nothing
    ds.epoch = 1  # what a set_epoch() between the passes does
    assert confirm_epochs(loader, got["_first"])["same_epochs"] is False


def test_persistent_workers_repeat_across_workers_only():
    got = measure(DataLoader(Noisy("RandomState"), batch_size=4, num_workers=2, persistent_workers=True))
    assert got["same_workers"] is True and got["persistent_workers"] is True


def test_a_deterministic_dataset_has_one_fingerprint():
    got = measure(DataLoader(TensorDataset(torch.randn(8, 3)), batch_size=4, num_workers=2))
    assert got["distinct"] == 1


def test_no_workers_no_experiment_and_an_iterable_dataset_is_not_judged():
    assert measure(DataLoader(Noisy("RandomState"), batch_size=4)) is None

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(4))

    assert "unobserved" in measure(DataLoader(Stream(), num_workers=2))


def test_the_experiment_leaves_the_dataset_and_the_generators_untouched():
    ds = Noisy("RandomState")
    before = (ds.rng.get_state()[1].copy(), np.random.get_state()[1].copy(), torch.get_rng_state(), random.getstate())
    measure(DataLoader(ds, batch_size=4, num_workers=2, shuffle=True))
    after = (ds.rng.get_state()[1], np.random.get_state()[1], torch.get_rng_state(), random.getstate())
    assert (before[0] == after[0]).all() and (before[1] == after[1]).all()
    assert torch.equal(before[2], after[2]) and before[3] == after[3]


def test_a_dataset_that_fails_or_cannot_be_fingerprinted_gives_no_evidence():
    class Broken(Noisy):
        def __getitem__(self, i):
            raise OSError("no such file")

    class Odd(Noisy):
        def __getitem__(self, i):
            return object()

    for ds in (Broken("RandomState"), Odd("RandomState")):
        assert "unobserved" in measure(DataLoader(ds, num_workers=2))
    assert fingerprint((torch.ones(2), np.zeros(3), {"a": 1})) == fingerprint((torch.ones(2), np.zeros(3), {"a": 1}))
    assert fingerprint(torch.ones(2)) != fingerprint(torch.ones(2, dtype=torch.float64))


def test_the_loader_probe_asks_once_per_pass_and_not_at_all_when_switched_off():
    from torchvitals.probes.loader import LoaderProbe

    for on in (True, False):
        events: list = []
        probe = LoaderProbe(lambda kind, events=events, **f: events.append((kind, f)), lambda: 0,
                            rng_check=lambda on=on: on)
        probe.time_all()
        loader = DataLoader(Noisy("RandomState"), batch_size=8, num_workers=1)
        try:
            for _ in range(3 if on else 1):
                for _batch in loader:
                    pass
        finally:
            probe.close()
        found = [f.get("pass", 1) for kind, f in events if kind == "loader-randomness"]
        assert found == ([1, 2] if on else []), on
    # a peek at the first batch is no epoch: the next pass is not compared with it
    events = []
    probe = LoaderProbe(lambda kind, **f: kind == "loader-randomness" and events.append(f.get("pass", 1)),
                        lambda: 0, rng_check=lambda: True)
    probe.time_all()
    loader = DataLoader(Noisy("RandomState"), batch_size=8, num_workers=1)
    try:
        next(iter(loader))
        for _batch in loader:
            pass
    finally:
        probe.close()
    assert events == [1]


# ------------------------------------------------------------------------- the rule


def event(**fields) -> dict:
    base = {"type": "event", "kind": "loader-randomness", "it": 1, "count": 1, "loader": "train_loader",
            "num_workers": 2, "persistent_workers": False, "worker_init_fn": False, "sampler": "random",
            "draws": 16, "distinct": 16, "same_workers": True}
    return {**base, **fields}


def second(same: bool, it: int = 9) -> dict:
    return {"type": "event", "kind": "loader-randomness", "it": it, "count": 2, "loader": "train_loader",
            "pass": 2, "draws": 16, "same_epochs": same}


def judge(*events: dict) -> list:
    h = History()
    h.add({"type": "header", "schema": 1, "params": [], "optimizers": []})
    for e in events:
        h.add(e)
    assert h.rejected == 0, h.rejected_why
    return RULES["repeated-randomness"].fn(h)


def test_rule_warns_on_workers_that_repeat_and_stays_silent_when_they_do_not():
    [f] = judge(event())
    assert (f.severity, f.where, f.step, f.evidence["num_workers"]) == ("warning", ["train_loader"], 1, 2)
    assert "2 DataLoader workers draw the same random numbers" in f.message
    [f] = judge(event(), second(True))
    assert f.step == 1 and f.evidence["same_epochs"] is True and "replayed the first epoch's" in f.message
    assert judge(event(same_workers=False), second(False)) == []  # properly seeded
    assert judge(event(distinct=1)) == []  # a deterministic Dataset: nothing to repeat
    assert judge(event(draws=4)) == []  # too few reads to tell a coin flip from a repeat


def test_rule_weighs_epochs_that_repeat_by_the_sample_order():
    [seq] = judge(event(same_workers=False, sampler="sequential"), second(True, it=7))
    assert seq.severity == "warning" and "every sample gets the same 'random' result every epoch" in seq.message
    assert seq.step == 7  # seen when the second epoch's workers start, where the repeat begins
    [shuffled] = judge(event(num_workers=1, same_workers=None, sampler="random"), second(True))
    assert shuffled.severity == "info"
    assert judge(event(same_workers=False, sampler="sequential")) == []  # no second pass yet
    assert judge(event(persistent_workers=True, same_workers=False)) == []


def test_rule_says_why_it_cannot_judge():
    with pytest.raises(CannotJudge, match="no DataLoader was iterated"):
        judge()
    assert judge({"type": "event", "kind": "dataloader", "it": 3, "loader": "main_process_loader"}) == []
    with pytest.raises(CannotJudge, match="IterableDataset"):
        judge({"type": "event", "kind": "loader-randomness", "it": 1, "loader": "s",
               "unobserved": "an IterableDataset is not read by index"})


# ------------------------------------------------------------------------- a real loop


def batches(ds: Dataset, tmp_path, watched: bool, **loader_kw) -> tuple[list[torch.Tensor], object]:
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False) if watched else None
    loader = DataLoader(ds, batch_size=4, num_workers=2, **loader_kw)
    seen = []
    for _ in range(2):
        for x, y in loader:
            seen.append(x)
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    return seen, mon.close() if mon is not None else None


def test_a_training_loop_with_workers_is_told_live_and_offline_and_its_batches_are_unchanged(tmp_path):
    watched, diag = batches(Noisy("RandomState"), tmp_path / "bad", True)
    plain, _ = batches(Noisy("RandomState"), tmp_path / "plain", False)
    assert all(torch.equal(a, b) for a, b in zip(watched, plain, strict=True))
    assert torch.equal(watched[0], watched[4])  # the fault itself: epoch 2 repeats epoch 1's noise
    live = [(f.name, f.severity, f.step) for f in diag.findings if f.name == "repeated-randomness"]
    assert live == [("repeated-randomness", "warning", 1)]
    offline = [(f.name, f.severity, f.step) for f in diagnose(tmp_path / "bad" / "r" / "run.jsonl").findings
               if f.name == "repeated-randomness"]
    assert offline == live
    _, healthy = batches(Noisy("RandomState"), tmp_path / "ok", True, worker_init_fn=reseed)
    # (only this rule: tiny batches from 2 workers on a busy machine may well be input-bound)
    assert "repeated-randomness" not in {f.name for f in healthy.findings}
    events = [json.loads(line) for line in (tmp_path / "ok" / "r" / "run.jsonl").read_text().splitlines()]
    found = [(e.get("pass", 1), e.get("same_workers"), e.get("same_epochs")) for e in events
             if e.get("kind") == "loader-randomness"]
    assert found == [(1, False, None), (2, None, False)]
