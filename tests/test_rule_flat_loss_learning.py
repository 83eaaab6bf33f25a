"""loss-not-decreasing (TV306) on epoch means, built by hand: a model that learns late (the
validation accuracy jumps in the last epoch while the epoch-mean training loss, which still holds
that epoch's first batches, barely moved) is no fault; the same flat loss with a validation that
does not improve is. Seen on Accelerate's gradient_accumulation example as a 2-rank job: half the
steps an epoch, so it learned in its third epoch (validation accuracy 0.51 -> 0.95, training
loss 0.694 -> 0.691), and got this warning."""

from __future__ import annotations

import pytest
from test_rules_distributed import header, history, judge

NAME = "loss-not-decreasing"


def epochs(train: list[float], val_acc: list[float] | None = None, val_loss: list[float] | None = None) -> list[dict]:
    out = []
    for i, loss in enumerate(train):
        val = {}
        if val_acc:
            val.update(acc=val_acc[i], base_acc=0.51)
        if val_loss:
            val.update(loss=val_loss[i])
        out.append({"type": "epoch", "epoch": i + 1, "it": 13 * (i + 1), "train": {}, "val": {},
                    "metrics": {"train": {"loss": loss}, **({"val": val} if val else {})}})
    return out


FLAT = [0.6941, 0.6950, 0.6913]


@pytest.mark.parametrize("val", [dict(val_acc=[0.508, 0.508, 0.945]), dict(val_loss=[0.694, 0.69, 0.62])])
def test_a_model_whose_validation_improves_learns(val):
    assert judge(history(header(world=1), epochs(FLAT, **val)), NAME) == []


@pytest.mark.parametrize("val", [{}, dict(val_acc=[0.508, 0.51, 0.52]), dict(val_loss=[0.694, 0.69, 0.68]),
                                 dict(val_acc=[0.30, 0.30, 0.45])])  # the last: better, not past the majority class
def test_a_flat_loss_whose_validation_does_not_improve_is_found(val):
    [f] = judge(history(header(world=1), epochs(FLAT, **val)), NAME)
    assert f.severity == "warning"


def test_a_flat_loss_names_what_is_frozen_when_almost_nothing_trains():
    """A freeze loop that caught the classifier head too (`if not name.startswith("bert.pooler")`,
    Hugging Face's run_glue rewritten): only the pooler trains, and the warning names the rest."""
    params = [{"name": n, "short": n, "bucket": n.split(".")[0], "shape": [k], "numel": k, "ndim": 1,
               "dtype": "float32", "trainable": t}
              for n, k, t in [("bert.encoder.layer.0.weight", 900, False), ("bert.pooler.dense.weight", 40, True),
                              ("bert.pooler.dense.bias", 8, True), ("classifier.weight", 100, False)]]
    head = {**header(world=1), "params": params,
            "optimizers": [{"type": "AdamW", "groups": [{"lr": 1e-3, "params": [1, 2]}]}]}
    [f] = judge(history(head, epochs(FLAT)), NAME)
    assert "only 4.6% of the model's values train" in f.message, f.message
    assert f.evidence["frozen"] == ["bert.encoder", "classifier"]
    head["params"] = [{**p, "trainable": True} for p in params]  # the control: everything trains
    [f] = judge(history(head, epochs(FLAT)), NAME)
    assert "frozen" not in f.message and "frozen" not in f.evidence
