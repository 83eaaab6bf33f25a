"""Output health: collapse, baselines, loss trends, metric stagnation, loss inputs."""

import json
import math

import pytest
import torch
import torch.nn.functional as F
from cases import mlp, observed_epoch, regression_data
from hypothesis import given, settings
from hypothesis import strategies as st
from output_cases import FAULTS, HEALTHY, forecaster
from torch import nn

import torchvitals
from torchvitals.offline import diagnose
from torchvitals.sinks.console import epoch_line


def _key(diag):
    return sorted((f.name, f.severity, tuple(f.where), f.step, f.message) for f in diag.findings)


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_output_fault_is_found(case, tmp_path):
    fn, name = FAULTS[case]
    diag = fn(tmp_path)
    hits = [f for f in diag.at_least("warning") if f.name == name]
    assert hits, f"{case}: expected {name}, got {[(f.name, f.severity) for f in diag.findings]}"
    assert not [v for v in diag.unjudged.values() if v.startswith("rule error")], diag.unjudged
    assert _key(diagnose(tmp_path / "run")) == _key(diag)


@pytest.mark.parametrize("case", sorted(HEALTHY))
def test_output_healthy_twin_is_silent(case, tmp_path):
    diag = HEALTHY[case](tmp_path)
    assert diag.healthy, [(f.name, f.message) for f in diag.at_least("warning")]
    assert not [v for v in diag.unjudged.values() if v.startswith("rule error")], diag.unjudged
    assert _key(diagnose(tmp_path / "run")) == _key(diag)


def test_worse_than_persistence_states_the_ratio(tmp_path):
    diag = forecaster(tmp_path, lr=1e-7)
    (f,) = [f for f in diag.findings if f.name == "worse-than-baseline"]
    assert f.evidence["baseline"] == "persist_rmse" and f.evidence["ratio"] > 2
    assert "persistence" in f.message and f"{f.evidence['ratio']:.2f}×" in f.message


def test_epoch_line_carries_metrics_and_baselines(tmp_path):
    diag = forecaster(tmp_path)
    hist = torchvitals.record.read_run(tmp_path / "run")
    line = epoch_line(hist, hist.epochs[-1])  # the record keeps numbers; the line is made from them
    assert "TR[loss=" in line and "rmse=" in line and "r2=" in line and "VAL[" in line
    assert "BASE_RMSE=" in line and "PERSIST_RMSE=" in line
    val = hist.epochs[-1]["metrics"]["val"]
    assert val["rmse"] < val["persist_rmse"] < val["base_rmse"]
    assert diag.healthy


def test_classification_metrics_and_baselines(tmp_path):
    diag = HEALTHY["classification"](tmp_path)
    m = torchvitals.record.read_run(tmp_path / "run").epochs[-1]["metrics"]["val"]
    assert 0.2 < m["base_acc"] < 0.35 and m["acc"] > 0.9
    assert abs(m["chance_loss"] - 1.386294) < 1e-5  # ln 4, rounded to 6 digits in the record
    assert diag.healthy


@pytest.mark.parametrize("loss_fn", [F.kl_div, F.nll_loss])
def test_probabilities_given_to_log_probability_losses(loss_fn):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False, every=2)
    x = torch.randn(64, 8)
    y = torch.randint(0, 4, (64,))
    soft = torch.softmax(torch.randn(64, 4), -1)
    for _ in range(12):
        opt.zero_grad()
        probs = torch.softmax(model(x), -1)  # the bug: probabilities, not log-probabilities
        target = soft if loss_fn is F.kl_div else y
        loss = loss_fn(probs, target, reduction="batchmean") if loss_fn is F.kl_div else loss_fn(probs, target)
        loss.backward()
        opt.step()
        mon.observe(probs, target, loss, loss_fn=loss_fn)
    (f,) = [f for f in mon.close().findings if f.name == "probabilities-as-logits"]
    assert "log-probabilities" in f.message


def test_bad_observe_input_is_reported_and_training_goes_on(capsys):
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="")
    x, y = regression_data()
    for i in range(8):
        opt.zero_grad()
        pred = model(x[:32])
        loss = F.mse_loss(pred, y[:32])
        loss.backward()
        opt.step()
        mon.observe(pred, y[:16], loss)  # mismatched batch sizes
        mon.observe(pred.round().long(), y[:32])  # integer predictions
        mon.observe(pred[:0], y[:0])  # empty batch
        mon.observe("not a tensor", y)
        mon.observe(pred, y[:32], loss, split="test" if i == 0 else "train")
    diag = mon.close()
    err = capsys.readouterr().err
    assert "different batch sizes" in err and "int64 predictions" in err and "empty batch" in err
    assert err.count("different batch sizes") == 1  # said once, not per batch
    assert "split must be" in " ".join(diag.notes)  # a usage error switches the probe off, loudly
    assert not diag.at_least("error")


def test_observe_reads_nothing_back_per_batch(host_reads, monkeypatch):
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False, every=1000, warmup=0)
    x, y = regression_data()
    for i in range(10):
        if i == 1:  # the first batch runs the one-shot preflight, which reads its verdicts back once
            host_reads.clear()
        opt.zero_grad()
        pred = model(x[:32])
        loss = F.mse_loss(pred, y[:32])
        loss.backward()
        opt.step()
        mon.observe(pred, y[:32], loss)
    assert host_reads == []
    monkeypatch.undo()
    mon.close()


def test_automatic_mode_picks_a_named_output(tmp_path):
    class DictOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(8, 1)

        def forward(self, x):
            return {"aux": x.sum(), "pred": torch.relu(self.lin(x) - 100.0)}  # always 0

    torch.manual_seed(0)
    model = DictOut()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False, every=2, outputs="pred")
    x, y = regression_data()
    for _ in range(30):
        opt.zero_grad()
        (model(x[:16])["pred"] - y[:16]).pow(2).mean().backward()
        opt.step()
    assert "prediction-collapse" in mon.close().names("warning")


def test_summarize_matches_direct_computation():
    from torchvitals.probes.outputs import OutputProbe

    g = torch.Generator().manual_seed(0)
    probe = OutputProbe()
    preds, targets, persist = [], [], []
    for _ in range(4):
        p, y, b = torch.randn(16, generator=g), torch.randn(16, generator=g), torch.randn(16, generator=g)
        probe.observe(p, y, None, b, "val", sampled=False)
        preds.append(p), targets.append(y), persist.append(b)
    p, y, b = torch.cat(preds).double(), torch.cat(targets).double(), torch.cat(persist).double()
    m = probe.take_epoch()["val"]
    rmse = (p - y).pow(2).mean().sqrt().item()
    assert abs(m["rmse"] - rmse) < 1e-6 and abs(m["mae"] - (p - y).abs().mean().item()) < 1e-6
    assert abs(m["base_rmse"] - y.std(unbiased=False).item()) < 1e-6
    assert abs(m["r2"] - (1 - (p - y).pow(2).sum() / (y - y.mean()).pow(2).sum()).item()) < 1e-6
    assert abs(m["persist_rmse"] - (b - y).pow(2).mean().sqrt().item()) < 1e-6
    assert abs(m["skill_persist"] - (1 - rmse / m["persist_rmse"])) < 1e-6
    assert probe.take_epoch() == {}  # read and reset

    probe.observe(torch.randn(6, 3, generator=g), torch.tensor([0, 0, 0, 1, 2, -100]), None, None, "train", sampled=False)
    c = probe.take_epoch()["train"]
    assert c["base_acc"] == 3 / 5  # ignore_index left out
    assert abs(c["chance_loss"] - math.log(3)) < 1e-12


def test_producer_looks_through_reshapes_and_casts():
    from torchvitals.probes.outputs import producer

    lin = nn.Linear(4, 1)
    x = torch.randn(8, 4)
    probs = torch.sigmoid(lin(x))
    assert producer(probs) == "Sigmoid"
    assert producer(probs.squeeze(-1).double().view(2, 4)) == "Sigmoid"  # squeeze, cast, view
    assert producer(torch.softmax(lin(x).expand(8, 3), -1).permute(1, 0)) == "Softmax"
    assert producer(lin(x)) == "Addmm"
    assert producer(0.5 + 0.4 * torch.tanh(lin(x))) == "Add"  # in (0, 1), not a probability op
    with torch.no_grad():
        assert producer(torch.sigmoid(lin(x))) is None  # no graph, no evidence


def _epochs_history(train: list[tuple[float, float, float]], val_rmse: float | None = None, loss_kind: str = "mse_loss"):
    """A History with one sampled step and epochs of (loss, rmse, base_rmse) train metrics."""
    from torchvitals.record import History

    h = History()
    h.add({"type": "header", "options": {"warmup": 5}})
    for i, (loss, rmse, base) in enumerate(train, start=1):
        metrics = {"train": {"loss": loss, "rmse": rmse, "base_rmse": base}}
        if val_rmse is not None:
            metrics["val"] = {"rmse": val_rmse, "base_rmse": 1.0}
        h.add({"type": "epoch", "epoch": i, "train": {}, "val": {}, "extra": {}, "metrics": metrics, "it": 10 * i})
    h.add({"type": "step", "opt": 0, "it": 1, "out": {"loss": 1.0, "loss_kind": loss_kind}})
    return h


def _baseline_verdict(h):
    from torchvitals.rules import RULES

    return [(f.severity, f.step) for f in RULES["worse-than-baseline"].fn(h)]


def test_no_skill_after_a_plateau_is_a_warning_and_its_controls_are_not():
    flat = [(1.02, 1.01, 1.0), (1.004, 1.002, 1.0), (1.006, 1.003, 1.0), (0.998, 0.999, 1.0), (1.003, 1.0015, 1.0)]
    assert _baseline_verdict(_epochs_history(flat)) == [("warning", 40)]  # epochs 2–4 already flat
    # Still descending towards the mean (3% per epoch): not judged yet, the old info verdict stays.
    falling = [(1.12, 1.06, 1.0), (1.09, 1.044, 1.0), (1.06, 1.03, 1.0), (1.03, 1.015, 1.0), (1.002, 1.001, 1.0)]
    assert _baseline_verdict(_epochs_history(falling)) == [("info", 20)]
    # A little skill (RMSE 1% under the mean predictor) is learning, however slow.
    skilled = [(1.0, 0.99, 1.0)] * 5
    assert _baseline_verdict(_epochs_history(skilled)) == []
    # Better than the mean on held-out data: something was learned (dropout hides it in train mode).
    assert _baseline_verdict(_epochs_history(flat, val_rmse=0.9)) == []
    # Classification losses: an RMSE between logits and labels means nothing.
    assert _baseline_verdict(_epochs_history(flat, loss_kind="binary_cross_entropy_with_logits")) == [("info", 50)]
    # Two epochs are not a plateau.
    assert _baseline_verdict(_epochs_history(flat[:3])) == [("info", 20)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 9), st.integers(2, 6), st.booleans(), st.sampled_from([torch.int64, torch.int32, torch.uint8])),
        min_size=1,
        max_size=7,
    ),
    st.integers(0, 2**31 - 1),
)
def test_class_metrics_equal_a_direct_count(batches, seed):
    """Accuracy, the majority class and the class prior (none for targets of one class) from the per-batch bins, folded several
    batches at a time, against counting the same targets directly: ignore_index (-100) and
    targets past the last class (padding ids) left out, (B, C) and (B, C, T) logits."""
    from torchvitals.probes import outputs

    g = torch.Generator().manual_seed(seed)
    probe = outputs.OutputProbe()
    c = batches[0][1]
    kept: list[tuple[torch.Tensor, torch.Tensor]] = []
    for i, (b, _, seq, dtype) in enumerate(batches):
        pred = torch.randn((b, c, 7) if seq else (b, c), generator=g)  # 7: never a class count here
        y = torch.randint(-1, c + 2, (b, 7) if seq else (b,), generator=g)
        if dtype == torch.uint8:
            y = y.clamp(min=0)  # unsigned: no ignore_index
        else:
            y = torch.where(y == -1, -100, y)
        y = y.to(dtype)
        probe.observe(pred, y, None, None, "train", sampled=False)
        guess = (pred.movedim(1, -1) if seq else pred).reshape(-1, c).argmax(-1)
        kept.append((guess, y.reshape(-1).long()))
        if i % 3 == 2:
            probe._fold("train")  # folds between batches change nothing
    guess, y = torch.cat([k[0] for k in kept]), torch.cat([k[1] for k in kept])
    valid = (y >= 0) & (y < c)
    m = probe.take_epoch().get("train", {})
    if not valid.any():
        assert "acc" not in m
        return
    counts = torch.bincount(y[valid], minlength=c).double()
    assert m["acc"] == pytest.approx(((guess == y) & valid).sum().item() / valid.sum().item(), abs=1e-12)
    if (counts > 0).sum() < 2:  # one class: no baseline ("always that class" is right by construction)
        assert "base_acc" not in m and "base_loss" not in m
        return
    assert m["base_acc"] == pytest.approx((counts.max() / counts.sum()).item(), abs=1e-12)
    prior = counts[counts > 0] / counts.sum()
    assert m["base_loss"] == pytest.approx(-(prior * prior.log()).sum().item(), abs=1e-9)


@given(st.lists(st.integers(0, 11), max_size=50))
def test_scatter_count_is_bincount(values):
    from torchvitals.probes.outputs import scatter_count

    idx = torch.tensor(values, dtype=torch.int64)
    assert torch.equal(scatter_count(idx, 12), torch.bincount(idx, minlength=12))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize("batch", [1, 8])
@pytest.mark.parametrize("classes", [1, 5])
def test_value_checks_are_float32_scalars_whatever_the_output_and_default_dtype(dtype, batch, classes):
    """The sampled output checks travel in one stacked read: every value must be a 0-d float32
    tensor with no autograd history, for half, bfloat16 and double outputs, a batch of one (its
    spread is NaN) and a float64 default dtype."""
    from torchvitals.probes.outputs import OutputProbe
    from torchvitals.probes.reads import Reads

    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        pred = torch.randn(batch, classes, dtype=torch.float32, requires_grad=True).to(dtype) * 2
        targets = [torch.randn(batch, classes, dtype=torch.float64), torch.randint(0, 5, (batch,))]
        for target in targets if classes > 1 else targets[:1]:
            probe = OutputProbe()
            probe.observe(pred, target, None, None, "train", sampled=True)
            assert probe.sampled and all(
                v.dtype == torch.float32 and v.dim() == 0 and v.grad_fn is None for v in probe.sampled.values()
            ), {k: (v.dtype, v.shape, v.grad_fn) for k, v in probe.sampled.items()}
            reads = Reads()
            plan = probe.take_interval(reads)
            vals = OutputProbe.interval_fields(plan, reads.start())
            assert (batch == 1) == math.isnan(vals["spread"]) and vals["nonfinite"] == 0.0
    finally:
        torch.set_default_dtype(before)


@pytest.mark.parametrize("relu", [True, False])
def test_a_relu_before_bce_with_logits_is_clipped_logits(tmp_path, relu):
    """A binary head whose logits pass a ReLU: the loss's own sigmoid never goes below 0.5. Its
    twin without the ReLU is judged and silent."""
    torch.manual_seed(0)
    layers = [nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1)]
    model = nn.Sequential(*layers, nn.ReLU()) if relu else nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 8, generator=g)
    y = (x[:, :1] > 0).float()
    with torchvitals.watch(model, opt, out=str(tmp_path), console=False, every=5) as mon:
        observed_epoch(mon, model, opt, x, y, F.binary_cross_entropy_with_logits, bs=16)
    diag = mon.diagnosis
    assert "clipped-logits" not in diag.unjudged
    found = [f for f in diag.findings if f.name == "clipped-logits"]
    assert [f.severity for f in found] == (["warning"] if relu else [])
    assert not relu or "never goes below 0.5" in found[0].message


@pytest.mark.parametrize("shuffled", [True, False])
def test_a_classifier_confidently_wrong_on_its_validation_set_is_worse_than_baseline(tmp_path, shuffled):
    """Validation labels shuffled apart from their inputs: the model learns the training set, its
    validation accuracy stays at the majority class's (no better, within the margin: info at
    most before), and its validation loss climbs far above what predicting the class frequencies
    gets. That loss is what says it is worse than the baseline. The twin validates on the right
    labels and stays silent."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2560, 12, generator=g)
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).long()  # two balanced classes: accuracy by chance ~ the majority's
    vx, vy = x[512:], y[512:]
    if shuffled:
        vy = vy[torch.randperm(len(vy), generator=g)]
    model = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    with torchvitals.watch(model, opt, out=str(tmp_path), console=False) as mon:
        for _ in range(5):
            observed_epoch(mon, model, opt, x[:512], y[:512], F.cross_entropy)
            with torch.no_grad():
                pred = model(vx)
                mon.observe(pred, vy, F.cross_entropy(pred, vy), loss_fn=F.cross_entropy)
            mon.epoch_end()
    found = [f for f in mon.diagnosis.findings if f.name == "worse-than-baseline"]
    if shuffled:
        assert [(f.severity, f.evidence["metric"]) for f in found] == [("warning", "loss")], found
        assert "no better than the majority class's" in found[0].message
    else:
        assert not found and "worse-than-baseline" not in mon.diagnosis.unjudged


def test_targets_of_one_class_have_no_baseline():
    """A contrastive loss (SimCLR, MoCo: cross_entropy over [positive, negatives] with every
    target 0) has targets of one class: "always class 0" is right by construction, so there is no
    majority-class baseline to beat. Before, the epoch line showed BASE_ACC=1 BASE_LOSS=-0 and a
    healthy SimCLR run got worse-than-baseline (accuracy 0.2 "5x worse than the majority class")."""
    torch.manual_seed(0)
    model = nn.Linear(8, 6)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False)
    zeros = torch.zeros(32, dtype=torch.long)
    for _ in range(4):
        for _ in range(5):
            x = torch.randn(32, 8)
            opt.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, zeros)
            loss.backward()
            opt.step()
            mon.observe(logits, zeros, loss, loss_fn=F.cross_entropy)
        with torch.no_grad():
            x = torch.randn(32, 8)
            mon.observe(model(x), zeros, F.cross_entropy(model(x), zeros), split="val", loss_fn=F.cross_entropy)
        mon.epoch_end()
    epochs = list(mon.history.epochs)
    assert len(epochs) == 4
    diag = mon.close()
    assert not [f for f in diag.findings if f.name == "worse-than-baseline"], diag.findings
    for e in epochs:
        for split in ("train", "val"):
            m = e["metrics"][split]
            assert "acc" in m and "base_acc" not in m and "base_loss" not in m, m


@pytest.mark.parametrize("given", ["logits", "log_softmax", "softmax"])
def test_raw_scores_given_to_nll_loss_are_logits_as_log_probs(tmp_path, given):
    """nll_loss on raw scores (log_softmax forgotten) is logits-as-log-probs. Controls: its
    log_softmax twin is judged and silent; probabilities are probabilities-as-logits' alone."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 8, generator=g)
    y = x[:, :4].argmax(1)
    head = {"logits": lambda z: z, "log_softmax": lambda z: F.log_softmax(z, -1), "softmax": lambda z: F.softmax(z, -1)}[given]
    with torchvitals.watch(model, opt, out=str(tmp_path), console=False, every=5) as mon:
        for i in range(0, len(x), 16):
            pred = head(model(x[i : i + 16]))
            loss = F.nll_loss(pred, y[i : i + 16])
            opt.zero_grad()
            loss.backward()
            opt.step()
            mon.observe(pred, y[i : i + 16], loss, loss_fn=F.nll_loss)
    diag = mon.diagnosis
    assert "logits-as-log-probs" not in diag.unjudged
    found = [f for f in diag.findings if f.name == "logits-as-log-probs"]
    assert [f.severity for f in found] == (["warning"] if given == "logits" else [])
    assert given != "logits" or "nll_loss expects log-probabilities" in found[0].message
    assert ("probabilities-as-logits" in diag.names("warning")) == (given == "softmax")


CTC_SCRIPT = """
import sys
import torch
import torch.nn.functional as F
from torch import nn
torch.manual_seed(0)
model = nn.GRU(6, 16, batch_first=True)
head = nn.Linear(16, 4)  # 3 symbols and the blank, 0
opt = torch.optim.Adam([*model.parameters(), *head.parameters()], lr=1e-2)
ctc = nn.CTCLoss(blank=0)
g = torch.Generator().manual_seed(0)
for step in range(40):
    labels = torch.randint(1, 4, (8, 3), generator=g)
    x = F.one_hot(labels.repeat_interleave(4, 1), 6).float() + 0.1 * torch.randn(8, 12, 6, generator=g)
    scores = head(model(x)[0]).transpose(0, 1)  # (time, batch, classes)
    log_probs = scores if "--raw" in sys.argv else F.log_softmax(scores, -1)
    loss = ctc(log_probs, labels, [12] * 8, [3] * 8)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize("raw", [False, True])
def test_a_ctc_loss_is_seen_and_raw_scores_given_to_it_are_found(tmp_path, raw):
    """`torchvitals run` observes CTCLoss: its loss is the training loss (the loss rules judge a
    speech model; before, it had none) and its input must be log-probabilities; raw scores are
    logits-as-log-probs."""
    from torchvitals.cli import main

    script = tmp_path / "ctc.py"
    script.write_text(CTC_SCRIPT)
    main(["run", "--out", str(tmp_path), "--name", "r", str(script), *(["--raw"] if raw else [])])
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    lines = [json.loads(x) for x in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    outs = [r["out"] for r in lines if r.get("type") == "step" and r.get("out")]
    assert outs and all(o["loss_kind"] == "ctc" and "loss" in o for o in outs)  # the training loss
    found = [f["severity"] for f in report["findings"] if f["name"] == "logits-as-log-probs"]
    assert found == (["warning"] if raw else [])


def test_a_gaussian_or_poisson_likelihood_is_no_log_probability_loss(tmp_path):
    """gaussian_nll_loss takes means and poisson_nll_loss log-rates, both free to be above 0:
    their kinds are their own, not nll_loss's, so logits-as-log-probs does not judge them."""
    from torchvitals.losses import loss_kind

    assert loss_kind(F.nll_loss) == loss_kind(nn.NLLLoss()) == "nll" and loss_kind(nn.CTCLoss()) == "ctc"
    assert loss_kind(F.gaussian_nll_loss) == "gaussian_nll_loss" and loss_kind(nn.PoissonNLLLoss()) == "poissonnllloss"
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    x = torch.randn(64, 4)
    y = 5 + x[:, :1]
    with torchvitals.watch(model, opt, out=str(tmp_path), console=False, every=1) as mon:
        for i in range(0, 64, 8):
            pred = model(x[i : i + 8])
            loss = F.gaussian_nll_loss(pred, y[i : i + 8], torch.ones(8, 1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            mon.observe(pred, y[i : i + 8], loss, loss_fn=F.gaussian_nll_loss)
    assert "logits-as-log-probs" not in mon.diagnosis.names()
