"""Every rank reading the whole dataset (no DistributedSampler, each rank shuffling with its own
seed): probes/whole_dataset.py names the dataset a loader reads whole, without loading an item;
duplicate-data-across-ranks (TV702) fires when every rank names the same one. Controls: a
DistributedSampler, per-rank shards (a Subset, a rank attribute, different content), samplers
that may split the data, datasets it cannot fingerprint, a sweep without DDP."""

from __future__ import annotations

import pytest
import torch
from test_rules_distributed import _same, header, history, judge, ranks, step
from torch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Subset,
    TensorDataset,
    WeightedRandomSampler,
)
from torch.utils.data.distributed import DistributedSampler

from torchvitals.probes.whole_dataset import whole_dataset_id
from torchvitals.ranks import Report

NAME = "duplicate-data-across-ranks"


def _tensors(seed: int = 0, n: int = 64) -> TensorDataset:
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 4, generator=g), torch.randint(0, 3, (n,), generator=g))


class Pairs(Dataset):
    """The DDP tutorial's dataset: a list of (x, y) tensor pairs; __getitem__ must not run."""

    def __init__(self, seed: int = 0, rank: int | None = None) -> None:
        g = torch.Generator().manual_seed(seed)
        self.data = [(torch.rand(3, generator=g), torch.rand(1, generator=g)) for _ in range(40)]
        if rank is not None:
            self.rank = rank

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i):
        raise AssertionError("the probe must never load an item")


class Files(Dataset):
    def __init__(self, files: list[str]) -> None:
        self.files = files

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i):
        raise AssertionError("the probe must never load an item")


class Opaque(Dataset):
    """Content made in __getitem__ (nothing to fingerprint): no evidence."""

    def __len__(self) -> int:
        return 100

    def __getitem__(self, i):
        return torch.full((2,), float(i))


class Stream(IterableDataset):
    def __iter__(self):
        yield from (torch.zeros(2) for _ in range(4))


def test_the_same_data_read_whole_is_named_alike_whatever_the_shuffle():
    a = whole_dataset_id(DataLoader(_tensors(), batch_size=8, shuffle=True))
    b = whole_dataset_id(DataLoader(_tensors(), batch_size=8, shuffle=True, generator=torch.Generator().manual_seed(5)))
    c = whole_dataset_id(DataLoader(_tensors(), batch_size=8))  # sequential: whole too
    assert a is not None and a.startswith("64:") and a == b == c
    assert whole_dataset_id(DataLoader(Pairs(), batch_size=4, shuffle=True)) == whole_dataset_id(DataLoader(Pairs(), batch_size=4))
    files = [f"img_{i:05d}.jpg" for i in range(30)]
    assert whole_dataset_id(DataLoader(Files(files), batch_size=4, shuffle=True)) is not None


@pytest.mark.parametrize(
    "first, second",
    [
        (lambda: _tensors(0), lambda: _tensors(1)),  # different content
        (lambda: Pairs(rank=0), lambda: Pairs(rank=1)),  # the same lists, a rank attribute picks the shard
        (lambda: Subset(_tensors(), range(0, 64, 2)), lambda: Subset(_tensors(), range(1, 64, 2))),
        (lambda: Files([f"a{i}" for i in range(0, 40, 2)]), lambda: Files([f"a{i}" for i in range(1, 40, 2)])),
    ],
    ids=["content", "rank-attribute", "subset-per-rank", "file-shards"],
)
def test_per_rank_shards_are_named_differently(first, second):
    a = whole_dataset_id(DataLoader(first(), batch_size=4, shuffle=True))
    b = whole_dataset_id(DataLoader(second(), batch_size=4, shuffle=True))
    assert a is not None and b is not None and a != b


@pytest.mark.parametrize(
    "make",
    [
        lambda: DataLoader(_tensors(), batch_size=8, sampler=DistributedSampler(_tensors(), num_replicas=2, rank=0)),
        lambda: DataLoader(_tensors(), batch_size=8, sampler=RandomSampler(_tensors(), num_samples=16)),
        lambda: DataLoader(_tensors(), batch_size=8, sampler=RandomSampler(_tensors(), replacement=True)),
        lambda: DataLoader(_tensors(), batch_size=8, sampler=WeightedRandomSampler([1.0] * 64, 64)),
        lambda: DataLoader(_tensors(), batch_sampler=BatchSampler(RandomSampler(_tensors()), 8, False)),
        lambda: DataLoader(_tensors(), batch_size=None),
        lambda: DataLoader(Opaque(), batch_size=8, shuffle=True),
        lambda: DataLoader(Stream(), batch_size=2),
        lambda: None,
    ],
    ids=["distributed", "fewer-samples", "replacement", "weighted", "own-batch-sampler", "no-batching",
         "nothing-to-fingerprint", "iterable", "no-loader"],
)
def test_no_evidence_is_none(make):
    assert whole_dataset_id(make()) is None


def test_concat_of_fingerprinted_parts_and_a_cached_answer():
    loader = DataLoader(ConcatDataset([_tensors(0), Pairs()]), batch_size=4, shuffle=True)
    first = whole_dataset_id(loader)
    assert first is not None and first.startswith("104:")
    assert whole_dataset_id(loader) == first
    assert whole_dataset_id(DataLoader(ConcatDataset([_tensors(0), Opaque()]), batch_size=4)) is None


def test_the_report_carries_the_source_and_reads_old_reports():
    r = Report(1, 5, True, 5, "ab", [1.0], [3], "64:00ff")
    assert Report.unpack(r.pack()) == r
    old = Report(1, 5, True, 5, "ab", [1.0], [3])
    assert Report.unpack(old.pack()).source is None


# ------------------------------------------------------------------------ the rule, by hand


def _whole(it: int, src=("64:abcdef0123456789", "64:abcdef0123456789"), **kw) -> dict:
    r = ranks(it, **kw)
    r["source"] = list(src)
    return r


def test_every_rank_reading_the_same_dataset_whole():
    recs = [step(it, _whole(it)) for it in (1, 50, 100)]
    (f,) = judge(history(header(), recs), NAME)
    assert (f.code, f.severity, f.step) == ("TV702", "warning", 1)
    assert "each read the whole training dataset (64 items)" in f.message and "ranks 0 and 1" in f.message
    assert f.evidence["whole_dataset"] and f.evidence["compared"] == 3


@pytest.mark.parametrize(
    "src",
    [("64:aaaa", "64:bbbb"), ("64:aaaa", None), (None, None)],
    ids=["different-data", "one-rank-unknown", "unknown"],
)
def test_different_or_unknown_sources_are_silent(src):
    recs = [step(it, _whole(it, src)) for it in (1, 50, 100)]
    assert judge(history(header(), recs), NAME) == []


def test_one_sample_is_not_enough_and_a_sweep_is_not_data_parallel():
    assert judge(history(header(), [step(1, _whole(1))]), NAME) == []
    recs = [step(it, _whole(it, diverged=[0, 1, 2])) for it in (1, 50, 100)]
    assert judge(history(header(wrapper=None), recs), NAME) == []


def test_the_same_batches_are_told_as_before():
    recs = [step(it, _whole(it, batch=_same(it))) for it in (1, 2, 3)]
    (f,) = judge(history(header(), recs), NAME)
    assert "trained on the same input batch" in f.message


def test_a_malformed_source_is_rejected_with_the_record():
    rec = step(1, _whole(1, ("64:aa",)))  # one entry for two ranks
    h = history(header(), [rec], rejects=True)
    assert h.rejected == 1
