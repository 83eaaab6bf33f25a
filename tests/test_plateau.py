"""plateau-mode-mismatch: a ReduceLROnPlateau given a metric that moves the other way than its
mode expects (validation accuracy behind the default mode='min'), with healthy controls, the
rule on hand-built records, the record's schema, and offline diagnosis equal to live."""

import json
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.diagnose import diagnose_history
from torchvitals.record import History, read_run
from torchvitals.rules import RULES

NAME = "plateau-mode-mismatch"


def blobs(n: int, seed: int, noise: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Four Gaussian classes in 16 dimensions; `noise` of the labels replaced at random."""
    centers = torch.randn(4, 16, generator=torch.Generator().manual_seed(123))
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 4, (n,), generator=g)
    x = centers[y] + 1.5 * torch.randn(n, 16, generator=g)
    if noise:
        y = torch.where(torch.rand(n, generator=g) < noise, torch.randint(0, 4, (n,), generator=g), y)
    return x, y


def train(mode: str, feed: str, *, epochs: int = 8, n: int = 512, noise: float = 0.0, hidden: int = 32,
          adam_lr: float | None = None, bs: int = 32, out: str = "", epoch_end: bool = False,
          as_kwarg: bool = False):
    """Train a small classifier; after each epoch step ReduceLROnPlateau(mode, patience=1) with
    the validation accuracy ("acc") or loss ("loss"). Returns (diagnosis, accs, losses, lrs)."""
    torch.manual_seed(0)
    x, y = blobs(n, 0, noise)
    xv, yv = blobs(512, 1)
    model = nn.Sequential(nn.Linear(16, hidden), nn.ReLU(), nn.Linear(hidden, 4))
    if adam_lr:
        opt = torch.optim.Adam(model.parameters(), lr=adam_lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.02)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=1)
    mon = torchvitals.watch(model, opt, scheduler=sched, out=out, name="run", console=False)
    accs, losses, lrs = [], [], []
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(epoch))
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        with torch.no_grad():
            logits = model(xv)
            val_loss = F.cross_entropy(logits, yv)
            acc = (logits.argmax(1) == yv).float().mean()  # a 0-d tensor, as users pass it
        metric = acc if feed == "acc" else val_loss.item()
        if as_kwarg:
            sched.step(metrics=metric)
        else:
            sched.step(metric)
        if epoch_end:
            mon.epoch_end(val={"loss": val_loss.item(), "acc": acc.item()})
        accs.append(acc.item())
        losses.append(val_loss.item())
        lrs.append(opt.param_groups[0]["lr"])
    diag = mon.close()
    assert "step" not in vars(sched)  # the wrapper is gone
    return diag, accs, losses, lrs


# ----------------------------------------------------------------------------- live


def test_accuracy_fed_to_mode_min_is_found():
    diag, accs, _, lrs = train("min", "acc")
    assert accs[2] > accs[1] > accs[0] and lrs[-1] < lrs[0] / 4  # the fault really happened
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert f.severity == "warning" and f.code == "TV208" and f.where == ["SGD"]
    assert "mode='min'" in f.message and "use mode='max'" in f.message and "3 time(s)" in f.message
    assert "0.02 → 0.0025" in f.message
    assert f.evidence["cuts"] == 3 and f.evidence["metric"][0] == pytest.approx(accs[0], rel=1e-5)
    assert f.step == 16 * 3  # the third epoch's call: the first cut, at the best accuracy so far


def test_accuracy_as_keyword_metric_is_found_and_settled_by_the_val_loss():
    diag, *_ = train("min", "acc", as_kwarg=True, epoch_end=True)
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert "the validation loss fell" in f.message


def test_loss_fed_to_mode_max_is_found():
    diag, _, losses, _ = train("max", "loss")
    assert losses[2] < losses[1] < losses[0]
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert "mode='max'" in f.message and "use mode='min'" in f.message and "fell" in f.message


def test_accuracy_with_mode_max_is_silent():
    diag, _, _, lrs = train("max", "acc")
    assert NAME not in diag.names() and NAME not in diag.unjudged


def test_falling_val_loss_with_mode_min_is_silent():
    diag, _, losses, _ = train("min", "loss")
    assert losses[-1] < losses[0]
    assert NAME not in diag.names() and NAME not in diag.unjudged


def test_overfitting_val_loss_with_mode_min_is_silent():
    # 96 noisy samples, a wide MLP under Adam: the validation loss falls, then rises, and the
    # scheduler (rightly) cuts the learning rate at a high of the loss.
    diag, _, losses, lrs = train("min", "loss", epochs=12, n=96, noise=0.4, hidden=256, adam_lr=3e-3, bs=16)
    low = losses.index(min(losses))
    assert 0 < low < len(losses) - 1 and losses[-1] > losses[low] * 1.05 and lrs[-1] < lrs[0]
    assert NAME not in diag.names()


def test_loss_rising_from_the_first_epoch_is_silent_when_the_record_shows_it():
    """A validation loss that overfits from the first epoch rises like an accuracy would. With
    the loss in the record (epoch_end or observe) the rule sees the model is not improving."""
    kw = dict(epochs=8, n=64, noise=0.5, hidden=256, adam_lr=1e-2, bs=16)
    diag, _, losses, lrs = train("min", "loss", epoch_end=True, **kw)
    assert losses[2] > losses[1] > losses[0] and lrs[-1] < lrs[0]
    assert NAME not in diag.names()
    # Without it, the series alone cannot tell: the finding says both readings.
    diag, *_ = train("min", "loss", **kw)
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert "if it is in fact a loss, the model has got worse since the first epoch" in f.message


def test_diagnose_offline_reaches_the_live_findings(tmp_path):
    live, *_ = train("min", "acc", out=str(tmp_path), epoch_end=True)
    offline = torchvitals.diagnose(tmp_path / "run")
    key = lambda d: sorted((f.name, f.severity, tuple(f.where), f.step, f.message) for f in d.findings)  # noqa: E731
    assert NAME in live.names("warning") and key(offline) == key(live)
    recs = [json.loads(line) for line in (tmp_path / "run" / "run.jsonl").read_text().splitlines()]
    plateau = [r for r in recs if r["type"] == "plateau"]
    assert len(plateau) == 8 and plateau[0]["mode"] == "min" and plateau[0]["threshold_mode"] == "rel"
    assert plateau[2]["lr_before"] == [0.02] and plateau[2]["lr"] == [0.01]


def test_the_probe_never_breaks_training(monkeypatch):
    """A metric the probe does not read (a 1-element 1-d tensor) is recorded as None; a probe
    that raises is switched off while the scheduler goes on cutting."""
    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    mon = torchvitals.watch(model, opt, scheduler=sched, out="", console=False)
    sched.step(torch.tensor([1.0]))
    assert mon.history.plateau[-1]["metric"] is None
    monkeypatch.setattr("torchvitals.monitor.hooks.host_scalar", lambda v: 1 / 0)
    sched.step(2.0)  # worse than 1.0 with patience=0: a cut
    assert "plateau" in mon.disabled and opt.param_groups[0]["lr"] == pytest.approx(0.01)
    sched.step(3.0)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.001)
    mon.close()


# ----------------------------------------------------------------------------- rule


def history(metrics, mode="min", cuts=(), epochs=None, lr=1e-3, factor=0.5) -> History:
    """A History with one SGD optimizer and one plateau record per metric; the learning rate is
    cut by `factor` at the call indices in `cuts`. `epochs`: {"train"|"val": [loss per call]}."""
    h = History()
    h.add({"type": "header", "params": [], "optimizers": [{"type": "SGD", "groups": []}]})
    for i, m in enumerate(metrics):
        before = lr
        lr = lr * factor if i in cuts else lr
        h.add({"type": "plateau", "opt": 0, "it": 10 * (i + 1), "metric": m, "mode": mode,
               "threshold_mode": "rel", "threshold": 1e-4, "lr_before": [before], "lr": [lr]})
        if epochs:
            h.add({"type": "epoch", "epoch": i + 1, "it": 10 * (i + 1),
                   "train": {"loss": epochs["train"][i]} if "train" in epochs else {},
                   "val": {"loss": epochs["val"][i]} if "val" in epochs else {}})
    return h


def judge(h: History):
    return RULES[NAME].fn(h)


ACC = [0.40, 0.55, 0.63, 0.70, 0.74, 0.77, 0.79, 0.80]


def test_rule_fires_at_the_first_cut_on_a_new_high():
    (f,) = judge(history(ACC, cuts=(2, 4, 6)))
    assert f.step == 30 and f.evidence["cuts"] == 3 and f.evidence["cut_at"] == [30, 50, 70]
    assert "at every call" in f.message and "(0.4 → 0.8 over 8 calls)" in f.message
    assert "0.001 → 0.000125" in f.message


def test_rule_waits_for_three_rising_calls():
    # patience=0: the cut comes at the second call; the finding at the third, once it rose twice.
    (f,) = judge(history(ACC[:3], cuts=(1, 2)))
    assert f.step == 30
    assert judge(history(ACC[:2], cuts=(1,))) == []


@pytest.mark.parametrize(
    "metrics, mode, cuts",
    [
        (ACC, "max", (5,)),  # accuracy with the right mode: not 'worse'
        ([1.2, 1.0, 0.9, 0.85, 0.84, 0.84, 0.85], "min", (5,)),  # a loss with the right mode
        ([1.2, 0.9, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1], "min", (4, 6)),  # overfitting: falls, then rises
        ([0.40, 0.38, 0.63, 0.70, 0.74, 0.77], "min", (3, 5)),  # not rising from the first values
        ([0.40, 0.55, 0.63, 0.62, 0.61, 0.60], "min", (4,)),  # cut, but not at a new high
        (ACC, "min", ()),  # no cut (min_lr reached, or a patience longer than the run)
    ],
)
def test_rule_is_silent(metrics, mode, cuts):
    assert judge(history(metrics, mode=mode, cuts=cuts)) == []


def test_rule_mirror_loss_in_mode_max():
    (f,) = judge(history([1.2, 1.0, 0.9, 0.85, 0.82], mode="max", cuts=(2, 4)))
    assert "use mode='min'" in f.message and "fell at every call" in f.message


def test_rule_reads_the_losses_in_the_record():
    rising = {"train": [1.0, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.38], "val": [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7]}
    assert judge(history(ACC, cuts=(2, 4, 6), epochs=rising)) == []  # it may be that val loss
    diverging = {"train": [1.0, 1.2, 1.5, 1.9, 2.5, 3.0, 3.5, 4.0]}
    assert judge(history(ACC, cuts=(2, 4, 6), epochs=diverging)) == []
    falling = {"train": [1.0, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.38], "val": [1.0, 0.9, 0.8, 0.75, 0.7, 0.68, 0.66, 0.65]}
    (f,) = judge(history(ACC, cuts=(2, 4, 6), epochs=falling))
    assert "the validation loss fell 1 → 0.8 meanwhile" in f.message
    assert f.evidence["loss_trends"] == {"train": [1.0, 0.7], "val": [1.0, 0.8]}


def test_rule_skips_metrics_it_cannot_read_and_says_when_it_cannot_judge():
    assert len(judge(history([None, 0.40, math.nan, 0.55, 0.63, 0.70], cuts=(4,)))) == 1
    h = history([])
    diag = diagnose_history(h)
    assert "ReduceLROnPlateau" in diag.unjudged[NAME]


# ----------------------------------------------------------------------------- record


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"metric": "0.8"}, "metric"),
        ({"mode": "sideways"}, "mode"),
        ({"lr": [None]}, "lr"),
        ({"lr_before": "1e-3"}, "lr_before"),
        ({"opt": -1}, "opt"),
        ({"it": 1.5}, "it"),
        ({"threshold": "x"}, "threshold"),
    ],
)
def test_corrupt_plateau_record_is_skipped_with_a_clear_note(tmp_path, bad, field):
    h = history(ACC, cuts=(2, 4, 6))
    lines = [json.dumps(h.header)] + [json.dumps(r) for r in h.plateau]
    lines[3] = json.dumps({**json.loads(lines[3]), **bad})  # the third call, where the cut is
    lines.append(json.dumps({"type": "end", "counters": []}))
    (tmp_path / "run.jsonl").write_text("\n".join(lines) + "\n")
    hist = read_run(tmp_path)
    assert len(hist.plateau) == 7
    assert any("skipped 1 record(s)" in n and f"plateau '{field}'" in n for n in hist.notes), hist.notes
    diag = torchvitals.diagnose(tmp_path)  # judged on what is left: the later cuts still tell
    assert NAME in diag.names("warning") and any(f"plateau '{field}'" in n for n in diag.notes)
