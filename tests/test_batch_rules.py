"""The batch rules (rules/batches.py, TV601-TV604) on Histories built by hand from the record
fields the probes write (probes/batches.py: the step record's `bs` and `in`; probes/outputs.py:
`out.batch_*` and `out.target_rms`; the `dataset-labels` event), and the probes' bookkeeping on
small real inputs. Every fault has a healthy control that stays silent."""

from __future__ import annotations

import collections

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from torchvitals.probes import handed as loader_probe
from torchvitals.probes.batches import (
    BatchSizes,
    batch_input,
    dataset_labels,
    feature_rms,
    listed_batch,
)
from torchvitals.record import History
from torchvitals.rules import RULES, CannotJudge

PARAMS = [{"name": n, "short": n, "bucket": n.split(".")[0], "shape": [4], "numel": 4, "ndim": 1, "dtype": "float32",
           "trainable": True} for n in ("fc.weight", "fc.bias")]
HEADER = {"type": "header", "schema": 1, "params": PARAMS, "optimizers": [{"type": "SGD", "groups": [{"lr": 0.1, "params": [0, 1]}]}]}


def step(it: int, g: float = 1.0, **fields) -> dict:
    rec = {"type": "step", "opt": 0, "it": it, "stepped": True, "g": [g, g / 10], "w": [1.0, 1.0], "lr": [0.1],
           "counters": {"steps": it, "cycles": it, "backward": it}}
    rec.update(fields)
    return rec


def history(*records: dict) -> History:
    h = History()
    for rec in (HEADER, *records):
        h.add(rec)
    assert h.rejected == 0, h.rejected_why
    return h


def warned(h: History, name: str) -> list:
    return [f for f in RULES[name].fn(h) if f.severity in ("warning", "error")]


# ------------------------------------------------------------------------------ batch-collapsed
def test_batches_merged_by_the_collate_are_collapsed_and_full_ones_are_not():
    small = history(step(1, bs={"n": 1, "small": 1, "size": 1, "expect": 32}))
    (f,) = warned(small, "batch-collapsed")
    assert f.step == 1 and f.evidence["batch_size"] == 32 and f.evidence["size"] == 1
    assert not RULES["batch-collapsed"].fn(history(step(1, bs={"n": 5, "small": 0, "size": 0, "expect": 32})))
    # a few odd batches (a filtering collate) are not "most"
    assert not RULES["batch-collapsed"].fn(history(step(50, bs={"n": 50, "small": 3, "size": 8, "expect": 32})))
    with pytest.raises(CannotJudge):
        RULES["batch-collapsed"].fn(history(step(1)))


def _handed(batch_size, last=False):
    loader_probe.HANDED.serial += 1
    loader_probe.HANDED.batch_size, loader_probe.HANDED.last = batch_size, last


def test_batch_sizes_count_micro_batches_sequence_first_and_leave_out_the_last_batch():
    s = BatchSizes()
    _handed(32)
    s.on_forward(torch.zeros(16, 4))
    s.on_forward(torch.zeros(16, 4))  # gradient accumulation: two halves of one loader batch
    _handed(32)
    s.on_forward(torch.zeros(20, 32, 8))  # sequence-first (T, B, D)
    _handed(32, last=True)
    s.on_forward(torch.zeros(3, 4))  # the pass's last, partial batch
    _handed(None)
    s.on_forward(torch.zeros(1, 4))  # a batch_sampler: no batch_size to compare with
    assert s.snapshot() == {"n": 2, "small": 0, "size": 0, "expect": 32}
    _handed(32)
    s.on_forward(torch.zeros(1, 4))  # merged into one sample
    assert s.snapshot() == {"n": 3, "small": 1, "size": 1, "expect": 32}
    _handed(32)
    s.on_forward(torch.zeros(32), at_loss=True)  # a model called with keywords: its loss's targets
    _handed(32)
    s.on_forward(torch.zeros(64, 10))  # model input of the whole batch ...
    s.on_forward(torch.zeros(4), at_loss=True)  # ... and a loss over a few of its rows: the model's count
    s.on_forward(torch.zeros(()), at_loss=True)
    assert s.snapshot() == {"n": 5, "small": 1, "size": 1, "expect": 32}


# ------------------------------------------------------------------------- single-class-batches
def cls(it: int, k: float, b: float = 32, mode: float = 0) -> dict:
    return step(it, out={"batch_classes": k, "batch_targets": b, "batch_mode": mode})


def labels(counts, shuffle=False) -> dict:
    return {"type": "event", "kind": "dataset-labels", "it": 1, "loader": "train_loader", "classes": counts,
            "shuffle": shuffle, "sampler": "SequentialSampler"}


def test_one_class_per_batch_of_a_ten_class_dataset_is_found_at_the_first_batch():
    (f,) = warned(history(labels([100] * 10), cls(1, 1)), "single-class-batches")
    assert f.step == 1 and f.evidence["dataset_classes"] == 10 and f.evidence["shuffle"] is False
    assert "shuffle=False" in f.message


@pytest.mark.parametrize("records", [
    [labels([100] * 10, shuffle=True)] + [cls(i, 10) for i in (1, 2, 3)],  # shuffled
    [labels([970, 10, 10, 10])] + [cls(i, 1) for i in (1, 2, 3)],  # imbalanced: one class by chance
    [labels([50, 50])] + [cls(1, 1)],  # binary: never 3 classes to expect
    [labels([5] * 100)] + [cls(1, 2, b=2)],  # batches of two hold two classes at most
    [cls(i, 1, mode=0) for i in (1, 2, 3, 4, 5, 50)],  # no labels, always the same (majority) class
    [cls(i, 2, b=2, mode=i % 5) for i in (1, 2, 3, 4, 5, 50)],  # no labels, batches of two
    [cls(i, 900, b=4096, mode=i % 7) for i in (1, 2, 3, 4, 5, 50)],  # an LM's tokens: many per batch
], ids=["shuffled", "imbalanced", "binary", "tiny-batches", "one-leading-class", "no-labels-tiny-batches", "lm-tokens"])
def test_single_class_batches_healthy_controls(records):
    assert not warned(history(*records), "single-class-batches")


def test_without_dataset_labels_sorted_batches_are_found_when_the_leading_class_changes():
    recs = [cls(i, 1, mode=0) for i in (1, 2, 3, 4, 5)] + [cls(50, 1, mode=3), cls(100, 2, mode=6)]
    (f,) = warned(history(*recs), "single-class-batches")
    assert f.step == 100 and f.evidence["leading_classes"] == 3


def test_dataset_labels_read_from_a_tensor_dataset_and_not_from_float_targets():
    y = torch.arange(4).repeat_interleave(8)
    info = dataset_labels(DataLoader(TensorDataset(torch.zeros(32, 2), y), batch_size=4))
    assert info == {"classes": [8, 8, 8, 8], "shuffle": False, "sampler": "SequentialSampler"}
    assert dataset_labels(DataLoader(TensorDataset(torch.zeros(32, 2), y.float()), shuffle=True)) is None
    assert dataset_labels(DataLoader(TensorDataset(torch.zeros(32, 2), y), shuffle=True))["shuffle"] is True


def test_a_tensor_dataset_with_two_integer_columns_has_no_labels_to_read():
    """TensorDataset(x, y, lengths): the last column was taken for the labels, so a shuffled run
    whose loss sees 5 classes was told its batches hold 5 classes 'where the dataset's 19 classes'
    (the lengths) 'would hold 15': single-class-batches on healthy data. Which integer column the
    loss takes cannot be told: none is read. The labels beside 2-D inputs and masks still are."""
    y = torch.arange(4).repeat_interleave(8)
    lengths = torch.randint(1, 20, (32,))
    assert dataset_labels(DataLoader(TensorDataset(torch.zeros(32, 2), y, lengths))) is None
    ids, mask = torch.randint(0, 100, (32, 7)), torch.ones(32, 7, dtype=torch.long)
    assert dataset_labels(DataLoader(TensorDataset(ids, mask, y)))["classes"] == [8, 8, 8, 8]


# -------------------------------------------------------------------------- single-class-labels
def one(it: int, mode: float = 0, op: str | None = "Addmm") -> dict:
    return step(it, out={"batch_classes": 1, "batch_targets": 32, "batch_mode": mode, "out_op": op})


def test_a_dataset_whose_labels_are_all_one_class_is_found_at_the_third_sampled_batch():
    """A label mapping that misses (`label2id.get(label, 0)`): every label 0, accuracy 100%."""
    (f,) = warned(history(labels([512, 0]), *(one(i) for i in (1, 2, 3, 4))), "single-class-labels")
    assert f.step == 3 and f.evidence["class"] == 0 and f.evidence["samples"] == 512
    assert "train_loader" in f.message and "always answering class 0" in f.message


@pytest.mark.parametrize("records", [
    [labels([256, 256])] + [one(i) for i in (1, 2, 3)],  # two classes in the data: a sorted loader, not this
    [labels([512, 0])] + [one(i, op="Div") for i in (1, 2, 3)],  # SimCLR on one ImageFolder class: similarities / T
    [labels([512, 0])] + [one(i, op="Cat") for i in (1, 2, 3)],  # MoCo's [positive, queue] logits
    [labels([512, 0])] + [one(1), one(2), cls(3, 2, mode=1)],  # the loss sees another class: not the dataset's
    [labels([0, 512])] + [one(i, mode=0) for i in (1, 2, 3)],  # targets of another class than the labels
    [labels([8, 0])] + [one(i) for i in (1, 2, 3)],  # eight samples: a test, not a training set
    [labels([512, 0])] + [one(1), one(2)],  # two sampled batches: not yet
], ids=["two-classes", "contrastive-div", "contrastive-cat", "other-class-at-loss", "other-class", "tiny", "too-early"])
def test_single_class_labels_healthy_controls(records):
    assert not warned(history(*records), "single-class-labels")


def test_single_class_labels_cannot_judge_without_readable_labels():
    with pytest.raises(CannotJudge):
        RULES["single-class-labels"].fn(history(*(one(i) for i in (1, 2, 3))))


def test_a_hugging_face_dataset_label_column_is_read_without_decoding_rows():
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"input_ids": [[1, 2, 3]] * 6, "label": [0, 1, 1, 2, 2, 2]})
    assert dataset_labels(DataLoader(ds.select(range(5)), batch_size=2))["classes"] == [1, 2, 2]
    floats = datasets.Dataset.from_dict({"input_ids": [[1]] * 4, "label": [0.5, 1.0, 2.0, 3.0]})  # regression
    assert dataset_labels(DataLoader(floats, batch_size=2)) is None
    assert dataset_labels(DataLoader(ds.remove_columns(["label"]), batch_size=2)) is None


def test_a_classifier_trained_on_one_class_is_told_and_its_twin_is_not(tmp_path):
    import torchvitals

    def run(y, name):
        torch.manual_seed(0)
        x = torch.randn(256, 8)
        model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        train_loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
        mon = torchvitals.watch(model, opt, out=str(tmp_path), name=name, console=False)
        for _ in range(2):
            for xb, yb in train_loader:
                opt.zero_grad()
                out = model(xb)
                loss = torch.nn.functional.cross_entropy(out, yb)
                mon.observe(out, yb, loss)
                loss.backward()
                opt.step()
        return mon.close()

    diag = run(torch.zeros(256, dtype=torch.long), "one-class")
    assert [f.name for f in diag.at_least("warning")] == ["single-class-labels"]
    healthy = run(torch.arange(256) % 3, "three-classes")
    assert "single-class-labels" not in healthy.names() and "single-class-labels" not in healthy.unjudged


# --------------------------------------------------------------------- unscaled-inputs / -targets
def scale(it: int, rms: float, first: str = "Linear") -> dict:
    return {"it": it, "rms_max": rms, "rms_med": rms / 2, "first": first}


def test_raw_pixels_with_a_huge_first_gradient_are_the_root_cause():
    (f,) = warned(history(step(1, g=800.0, **{"in": scale(1, 130.0)})), "unscaled-inputs")
    assert f.step == 1 and f.evidence["rms"] == 130.0 and "804 at iteration 1" in f.message


@pytest.mark.parametrize("rec", [
    step(1, g=800.0, **{"in": scale(1, 0.5)}),  # images in [0, 1]
    step(1, g=800.0, **{"in": scale(1, 130.0, first="BatchNorm2d")}),  # normalised by the first layer
    step(1, g=2.0, **{"in": scale(1, 130.0)}),  # unscaled but no symptom: an info only
], ids=["unit-range", "batchnorm-first", "no-symptom"])
def test_unscaled_inputs_healthy_controls(rec):
    assert not warned(history(rec), "unscaled-inputs")


def test_a_huge_gradient_is_no_symptom_under_adam():
    adam = {**HEADER, "optimizers": [{"type": "Adam", "groups": [{"lr": 1e-3, "params": [0, 1]}]}]}
    h = History()
    for rec in (adam, step(1, g=800.0, **{"in": scale(1, 130.0)})):
        h.add(rec)
    assert [f.severity for f in RULES["unscaled-inputs"].fn(h)] == ["info"]


def test_unscaled_target_and_its_control():
    (f,) = warned(history(step(1, g=3e5, out={"target_rms": 3.1e5})), "unscaled-targets")
    assert f.step == 1 and f.name == "unscaled-targets"
    assert not warned(history(step(1, g=3e5, out={"target_rms": 1.2})), "unscaled-targets")
    info = RULES["unscaled-targets"].fn(history(step(1, g=1.0, out={"target_rms": 50.0})))
    assert [f.severity for f in info] == ["info"]


def test_feature_rms_per_channel_and_the_schema_rejects_a_malformed_bs():
    x = torch.ones(4, 3, 5, 5) * torch.tensor([1.0, 2.0, 255.0]).view(1, 3, 1, 1)
    assert feature_rms(x).tolist() == [255.0, 2.0]
    h = History()
    h.add(HEADER)
    h.add(step(1, bs={"n": "many"}))
    assert h.rejected == 1 and h.rejected_why == {"step": "bs"}


# ------------------------------------------------------------------------------- live, watch()
@pytest.mark.parametrize("merge", [True, False], ids=["collate-averages", "default-collate"])
def test_a_watch_user_whose_collate_averages_the_batch_is_told(tmp_path, merge):
    import torchvitals

    torch.manual_seed(0)
    ds = TensorDataset(torch.randn(256, 8), torch.randn(256, 1))

    def averaged(samples):  # stacks the 32 samples, then averages them into one
        x, y = torch.utils.data.default_collate(samples)
        return x.mean(0, keepdim=True), y.mean(0, keepdim=True)

    loader = DataLoader(ds, batch_size=32, shuffle=True, collate_fn=averaged if merge else None)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), console=False)
    for x, y in loader:
        opt.zero_grad()
        pred = model(x)
        loss = torch.nn.functional.mse_loss(pred, y)
        mon.observe(pred, y, loss)
        loss.backward()
        opt.step()
    diag = mon.close()
    assert ("batch-collapsed" in diag.names("warning")) is merge, diag.names("warning")
    if merge:
        (f,) = [f for f in diag.findings if f.name == "batch-collapsed"]
        assert f.step == 1 and f.evidence["batch_size"] == 32 and f.evidence["size"] == 1


def test_a_list_of_samples_is_a_batch_and_a_list_of_batches_is_not():
    """torchvision's detection models take a list of images, as many as the loader's batch:
    their batch size and the first image's scale are read through a view (no copy). The
    default collate's [inputs, targets] is not such a list, even with a batch of 2."""
    from torchvitals.probes.handed import HANDED

    before = HANDED.batch_size
    try:
        HANDED.batch_size = 4
        images = [torch.rand(3, 8, 8) * 255 for _ in range(4)]
        x = listed_batch((images,))
        assert x.shape == (4, 3, 8, 8) and x.data_ptr() == images[0].data_ptr()
        assert listed_batch((images[:3],)) is None  # not the loader's batch
        assert listed_batch(([images[0], torch.zeros(5)] * 2,)) is None  # not samples alike
        HANDED.batch_size = 2
        xb, yb = torch.randn(2, 5), torch.randn(2, 5)
        assert listed_batch(([xb, yb],)) is None
        assert listed_batch(((images[0], images[1]),)) is None  # a tuple: arguments, not samples
    finally:
        HANDED.batch_size = before


def test_the_batch_is_found_in_keyword_arguments_and_a_dict_but_never_a_label_or_a_mask():
    """A Hugging Face model is called as model(**batch): its input is input_ids (or
    pixel_values, …) whatever the dict's order; a mask is equal on every rank and batch and a
    label is not the input, so neither stands in for it."""
    ids, mask, labels, x = torch.ones(4, 7, dtype=torch.long), torch.ones(4, 7), torch.zeros(4), torch.randn(4, 3)
    assert batch_input((x,), {"input_ids": ids}) is x  # a positional tensor comes first
    assert batch_input((), {"attention_mask": mask, "labels": labels, "input_ids": ids}) is ids
    assert batch_input(({"attention_mask": mask, "pixel_values": x},), {}) is x  # model(batch)
    assert batch_input((collections.UserDict(input_ids=ids),), {}) is ids  # a BatchEncoding is a UserDict
    assert batch_input((), {"attention_mask": mask, "features": x, "labels": labels}) is x  # no known name
    assert batch_input((), {"attention_mask": mask, "labels": labels}) is None
    assert batch_input(([x],), {"input_ids": ids}) is None  # a positional non-tensor: not guessed past
    assert batch_input((), None) is None and batch_input((), {}) is None
