"""torchvitals inside real Lightning fits (CPU, tiny models, 40 steps): the callback, its seeded
faults with their healthy twin, manual optimization, accumulation, clipping, mixed precision, a
logger, and `torchvitals run` on an unmodified Lightning script."""

import contextlib
import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

pl = pytest.importorskip("lightning.pytorch")
SCRIPTS = Path(__file__).parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

from lightning_fit import PartsRegressor, Regressor, class_loaders, loaders, trainer  # noqa: E402  (tests/scripts on the path below)

from torchvitals.integrations.lightning import VitalsCallback, epoch_metrics  # noqa: E402
from torchvitals.run import run_script  # noqa: E402

FAULTS = {
    "unused": "dead-parameters",  # a layer defined, left out of forward(): in the optimizer, no gradient
    "no-grad-encoder": "dead-parameters",  # the encoder run under no_grad: frozen by mistake
    "partial-optimizer": "unoptimized-parameters",  # configure_optimizers over the head only
    "lr-zero": "parameters-not-moving",
}


@pytest.fixture(autouse=True)
def _quiet_lightning():
    """Lightning's banners and its tips are not what these tests read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def fit(module, tmp_path, **kwargs):
    torch.manual_seed(0)
    cb = VitalsCallback(out=str(tmp_path), name="run", console=False)
    train, val = loaders()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        trainer([cb], **kwargs).fit(module, train, val)
    assert cb.monitor is None and cb.diagnosis is not None  # closed at fit end
    return cb.diagnosis


def records(tmp_path, kind="step"):
    import json

    lines = (tmp_path / "run" / "run.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r.get("type") == kind]


def test_healthy_fit_is_silent_and_judged(tmp_path):
    diag = fit(Regressor(), tmp_path)
    assert diag.judged and not diag.stopped
    assert not diag.names("warning"), diag.names("warning")
    assert not set(FAULTS.values()) & set(diag.names("info"))
    epochs = records(tmp_path, "epoch")
    assert epochs and "loss" in epochs[0]["val"]  # val_loss from the trainer's logged metrics
    steps = records(tmp_path)
    assert steps[0]["g"] and None not in steps[0]["g"]  # the first step(closure) has its gradients
    c = records(tmp_path, "end")[0]["counters"][0]
    assert c["backward"] == c["steps"] == 40


@pytest.mark.parametrize("bug", sorted(FAULTS))
def test_seeded_fault_found(bug, tmp_path):
    diag = fit(Regressor(bug), tmp_path)
    assert FAULTS[bug] in diag.names("warning"), (bug, diag.names("info"))


class GAN(pl.LightningModule):
    """Manual optimization with two optimizers; `forget_zero_grad` leaves the discriminator's
    gradients of the generator's pass in place for the next discriminator step."""

    def __init__(self, forget_zero_grad: bool = False) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.forget = forget_zero_grad
        self.gen = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 8))
        self.disc = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))

    def training_step(self, batch, batch_idx):
        x, _ = batch
        opt_g, opt_d = self.optimizers()
        fake = self.gen(torch.randn(x.shape[0], 4))
        ones, zeros = torch.ones(len(x), 1), torch.zeros(len(x), 1)
        if not self.forget:
            opt_d.zero_grad()
        loss_d = F.binary_cross_entropy_with_logits(self.disc(x), ones) + F.binary_cross_entropy_with_logits(self.disc(fake.detach()), zeros)
        self.manual_backward(loss_d)
        opt_d.step()
        opt_g.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(self.disc(fake), ones)
        self.manual_backward(loss_g)
        opt_g.step()
        return loss_g

    def configure_optimizers(self):
        return [torch.optim.Adam(self.gen.parameters(), 1e-3), torch.optim.Adam(self.disc.parameters(), 1e-3)]


@pytest.mark.parametrize("forget", [False, True])
def test_manual_optimization_two_optimizers(forget, tmp_path):
    diag = fit(GAN(forget), tmp_path)
    assert ("grads-not-cleared" in diag.names("warning")) == forget, diag.names("info")
    if not forget:
        assert not diag.names("warning"), diag.names("warning")
    end = records(tmp_path, "end")[0]["counters"]
    assert end[0]["steps"] == end[1]["steps"] == 20  # Lightning's max_steps counts both optimizers' steps


@pytest.mark.parametrize("accumulate", [1, 2])
def test_a_training_step_that_calls_the_parts_has_its_batches_counted(accumulate, tmp_path):
    """training_step calls the model's parts, not self(x): the module's forward never runs, and
    the batch is taken from Lightning's on_train_batch_start (every batch of an accumulated
    step); the same samples as a fit whose training_step calls self(x)."""
    steps = 40 if accumulate == 1 else 20
    counts = {}
    for module in (Regressor(), PartsRegressor()):
        out = tmp_path / type(module).__name__
        diag = fit(module, out, max_steps=steps, accumulate_grad_batches=accumulate)
        assert diag.judged and not diag.names("warning"), diag.names("warning")
        counts[type(module).__name__] = [e["samples"] for e in records(out, "epoch")]
    # 512 samples a pass, 32 a batch; the sizes probe sees the loader's full batches.
    assert counts["PartsRegressor"] == counts["Regressor"] and counts["Regressor"][0] == 512, counts
    assert "batch-collapsed" not in diag.unjudged


class Classifier(pl.LightningModule):
    """Four classes from the signs of two features; `dead`: the hidden layer's bias starts at
    -100, so every ReLU is off and the output is the last layer's bias: one class for all."""

    def __init__(self, dead: bool = False) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4))
        if dead:
            nn.init.constant_(self.net[0].bias, -100.0)

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


@pytest.mark.parametrize("dead", [False, True])
def test_the_models_predictions_are_judged_beside_the_loss_the_callback_observes(dead, tmp_path):
    """The callback shows torchvitals each batch's loss; that must not switch off its own look
    at the model's outputs (before, prediction-collapse was never judged in a Lightning fit)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1024, 20, generator=g)
    y = (x[:, 0] > 0).long() + 2 * (x[:, 1] > 0).long()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32, shuffle=True, generator=g)
    torch.manual_seed(0)
    cb = VitalsCallback(out=str(tmp_path), name="run", console=False, every=10)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        trainer([cb], max_steps=120).fit(Classifier(dead), loader)
    diag = cb.diagnosis
    assert "prediction-collapse" not in diag.unjudged, diag.unjudged
    assert ("prediction-collapse" in diag.names("warning")) == dead, diag.names("warning")


def test_gradient_accumulation_is_not_skipped_steps(tmp_path):
    class Kept(Regressor):
        losses: list[float] = []

        def training_step(self, batch, batch_idx):
            loss = super().training_step(batch, batch_idx)
            self.losses.append(loss.item())
            return loss

    diag = fit(Kept(), tmp_path, accumulate_grad_batches=2)
    assert not diag.names("warning"), diag.names("warning")
    c = records(tmp_path, "end")[0]["counters"][0]
    assert c["steps"] == 40 and c["backward"] == 80 and c["skipped"] == 0
    # TR's loss is the batches' own loss, not Lightning's loss / accumulate_grad_batches.
    first = records(tmp_path, "epoch")[0]["metrics"]["train"]["loss"]
    assert first == pytest.approx(sum(Kept.losses[:16]) / 16, rel=1e-4)


def test_gradient_clip_val_gives_preclip_norm(tmp_path):
    diag = fit(Regressor(), tmp_path, gradient_clip_val=0.5)
    assert not diag.names("warning"), diag.names("warning")
    clipped = [r["clip"] for r in records(tmp_path) if r.get("clip")]
    assert clipped and clipped[0]["max"] == 0.5 and clipped[0]["pre"] > 0.5


def test_bf16_mixed_on_cpu(tmp_path):
    diag = fit(Regressor(), tmp_path, precision="bf16-mixed")
    assert diag.judged and not diag.names("warning"), diag.names("warning")
    diag = fit(Regressor("unused"), tmp_path, precision="bf16-mixed")
    assert "dead-parameters" in diag.names("warning")


def test_fast_dev_run_is_not_called_healthy(tmp_path):
    diag = fit(Regressor(), tmp_path, fast_dev_run=True)
    assert diag.verdict != "healthy" and "fast_dev_run" in (diag.stopped or "")
    diag = fit(Regressor("unused"), tmp_path, fast_dev_run=True)
    assert "dead-parameters" in diag.names("warning")  # what one batch shows is still told


def test_exception_in_fit_closes_the_monitor(tmp_path):
    class Crashes(Regressor):
        def training_step(self, batch, batch_idx):
            if self.global_step == 7:
                raise ValueError("bad batch")
            return super().training_step(batch, batch_idx)

    cb = VitalsCallback(out=str(tmp_path), name="run", console=False)
    train, val = loaders()
    with pytest.raises(ValueError, match="bad batch"), contextlib.redirect_stderr(io.StringIO()):
        trainer([cb]).fit(Crashes(), train, val)
    assert cb.monitor is None and "bad batch" in (cb.diagnosis.stopped or "")


def test_an_error_inside_torchvitals_never_reaches_the_fit(tmp_path, monkeypatch):
    import torchvitals.monitor

    def broken(*args, **kwargs):
        raise RuntimeError("torchvitals bug")

    monkeypatch.setattr(torchvitals.monitor, "watch", broken)
    cb = VitalsCallback(out=str(tmp_path), console=False)
    train, val = loaders()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        t = trainer([cb])
        t.fit(Regressor(), train, val)
    assert t.global_step == 40
    assert err.getvalue().count("torchvitals bug") == 1  # said once


def test_unknown_option_raises_at_construction():
    with pytest.raises(TypeError, match="unknown torchvitals option"):
        VitalsCallback(evrey=5)


def test_epoch_metrics_split_by_prefix():
    train, val = epoch_metrics({"val_loss": torch.tensor(0.5), "train_loss": 1.0, "acc": torch.tensor(0.9),
                                "val/acc": 0.7, "loss_step": 2.0, "test_loss": 3.0, "vec": torch.ones(3)})
    assert train == {"loss": 1.0, "acc": pytest.approx(0.9)} and val == {"loss": 0.5, "acc": 0.7}
    # Lightning's own examples log `valid_loss`; TensorBoard-style names put the split last.
    train, val = epoch_metrics({"valid_loss": 0.5, "validation_acc": 0.7, "loss/train": 1.0, "f1_val": 0.6, "val": 0.1})
    assert train == {"loss": 1.0, "val": 0.1} and val == {"loss": 0.5, "acc": 0.7, "f1": 0.6}


def test_tensorboard_logger_gets_scalars_and_findings(tmp_path):
    from lightning.pytorch.loggers import TensorBoardLogger
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logger = TensorBoardLogger(str(tmp_path / "tb"), name="fit", version=0)
    diag = fit(Regressor("unused"), tmp_path, logger=logger)
    assert "dead-parameters" in diag.names("warning")
    acc = EventAccumulator(str(tmp_path / "tb" / "fit" / "version_0"))
    acc.Reload()
    tags = acc.Tags()
    assert "torchvitals/grad_norm/total" in tags["scalars"] and "torchvitals/epoch/val/reported/loss" in tags["scalars"]
    assert [s.value for s in acc.Scalars("torchvitals/steps/taken")] == [1, 2, 3, 4, 5]  # the sampled iterations
    texts = [t for t in tags["tensors"] if t.startswith("torchvitals/")]
    assert "torchvitals/findings/text_summary" in texts, tags["tensors"]


@pytest.mark.parametrize("bug", [None, "partial-optimizer"])
def test_torchvitals_run_on_an_unmodified_lightning_script(bug, tmp_path):
    args = ["--bug", bug] if bug else []
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code, diag = run_script(str(SCRIPTS / "lightning_fit.py"), args, {"out": str(tmp_path / "r"), "name": "run"}, fail_on="warning")
    assert code == (1 if bug else 0), err.getvalue()  # --fail-on reads the fit's diagnosis
    callback = fit(Regressor(bug), tmp_path)
    assert diag.names("info") == callback.names("info"), err.getvalue()
    assert (bug is None) == (not diag.names("warning"))
    assert err.getvalue().count("torchvitals:") >= 1 and len(list((tmp_path / "r").iterdir())) == 1  # one monitor, one run


@pytest.mark.parametrize("bug", [None, "softmax", "shuffled", "hot-init"])
def test_torchvitals_run_shows_a_fit_the_loss_calls_it_makes(bug, tmp_path):
    """Under `torchvitals run` the fit's monitor also sees the predictions and targets of the
    loss functions the fit calls, as a plain script's monitor does: before, the rules that need
    them were never judged in a Lightning fit (probabilities handed to cross_entropy and labels
    shuffled apart from their inputs went unseen, and the run was called healthy), and the loss
    at init was left unjudged (logits 40x too large at init went unseen)."""
    import json

    args = ["--task", "classify"] + (["--bug", bug] if bug else [])
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        _, diag = run_script(str(SCRIPTS / "lightning_fit.py"), args, {"out": str(tmp_path), "name": "run"})
    found = {None: set(), "softmax": {"probabilities-as-logits"}, "shuffled": {"worse-than-baseline"},
             "hot-init": {"init-loss-off"}}[bug]
    assert diag.names("warning") == found, err.getvalue()
    assert not {"worse-than-baseline", "probabilities-as-logits", "prediction-collapse", "init-loss-off (preflight)"} & set(diag.unjudged)
    epochs = [r for r in map(json.loads, (tmp_path / "run" / "run.jsonl").read_text().splitlines()) if r["type"] == "epoch"]
    _, val = class_loaders(bug)
    labels = torch.cat([y for _, y in val])
    majority = labels.bincount().max().item() / len(labels)
    for e in epochs:
        # Validation batches only (the fit's sanity check runs two before training, kept out):
        # the loss over them is the one the trainer logged, the baseline is the set's majority.
        assert e["metrics"]["val"]["loss"] == pytest.approx(e["val"]["loss"], rel=1e-4)
        assert e["metrics"]["val"]["base_acc"] == pytest.approx(majority, abs=1e-5)
        assert "acc" in e["metrics"]["train"] and e["samples"] == 1024


def test_import_torchvitals_does_not_import_lightning():
    code = "import sys, torchvitals, torchvitals.monitor, torchvitals.run; assert 'lightning' not in sys.modules and 'pytorch_lightning' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent / "src")


def test_16_mixed_grad_scaler_is_accounted_and_values_unscaled(tmp_path):
    """On CPU Lightning turns precision="16-mixed" into bf16; a MixedPrecision plugin with a CPU
    GradScaler gives the float16 path: its first overflow skips are counted, not reported."""
    from lightning.pytorch.plugins import MixedPrecision

    scaler = torch.amp.GradScaler("cpu")
    diag = fit(Regressor(), tmp_path, plugins=[MixedPrecision("16-mixed", "cpu", scaler=scaler)])
    assert not diag.names("warning"), diag.names("warning")
    steps = records(tmp_path)
    assert records(tmp_path, "end")[0]["counters"][0]["scaler_skips"] >= 1
    fit(Regressor(), tmp_path / "fp32")
    fp32 = records(tmp_path / "fp32")
    # Gradient norms as the optimizer sees them (unscaled): the float32 run's, not 65536x them.
    assert max(steps[-1]["g"]) < 10 * max(fp32[-1]["g"])


def test_lr_scheduler_steps_are_accounted(tmp_path):
    class Scheduled(Regressor):
        def configure_optimizers(self):
            opt = torch.optim.Adam(self.parameters(), lr=1e-2)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": torch.optim.lr_scheduler.StepLR(opt, 10), "interval": "step"}}

    diag = fit(Scheduled(), tmp_path)
    assert not diag.names("warning"), diag.names("warning")
    c = records(tmp_path, "end")[0]["counters"][0]
    assert c["sched_steps"] == 40 and c["sched_orphans"] == 0


def test_an_epochs_train_loss_is_its_batches_mean(tmp_path):
    """training_step logs train_loss per step (Lightning's default), so at an epoch's end the
    trainer's logged value is its last batch's alone: the epoch's loss is the mean of every
    batch's loss the callback observed, not that one value."""
    class Kept(Regressor):
        def __init__(self):
            super().__init__()
            self.losses: list[float] = []

        def training_step(self, batch, batch_idx):
            loss = super().training_step(batch, batch_idx)
            self.losses.append(loss.item())
            return loss

    module = Kept()
    fit(module, tmp_path)
    first = records(tmp_path, "epoch")[0]
    assert "loss" not in first["train"]
    assert first["metrics"]["train"]["loss"] == pytest.approx(sum(module.losses[:16]) / 16, rel=1e-4)
    assert first["metrics"]["train"]["loss"] != pytest.approx(module.losses[15], rel=1e-3)


def test_an_epoch_without_validation_has_no_val(tmp_path):
    """The trainer keeps the last validation's logged metrics until the next one: an epoch that
    ran no validation (check_val_every_n_epoch, or a fit stopped by max_steps mid-epoch) must
    not be given them as its own VAL (the same value epoch after epoch reads as a stalled
    validation loss)."""
    diag = fit(Regressor(), tmp_path, max_steps=16 * 12, check_val_every_n_epoch=4)
    val = [bool(e["val"]) for e in records(tmp_path, "epoch")]
    assert val == [False, False, False, True] * 3, val
    # Before, epochs 5-7 repeated epoch 4's loss: metric-stagnation, a warning on a healthy fit.
    assert not diag.names("warning") and not diag.names("info"), diag.names("info")


def test_a_fit_is_found_through_the_wrapper_ddp_puts_around_it():
    """strategy="ddp" wraps the LightningModule (DistributedDataParallel keeps it as `module`)
    before configure_optimizers: `torchvitals run` sees the wrapper own the optimizer's
    parameters and must still find the fit."""
    from torchvitals.integrations.lightning import _fit_of

    module = Regressor()
    fit_trainer = trainer([])
    module._trainer = fit_trainer

    class Wrapper(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.module = inner

    assert _fit_of([Wrapper(module)]) == (fit_trainer, "lightning.pytorch")
    assert _fit_of([Wrapper(torch.nn.Linear(2, 2))]) is None


DISTILL_FIT = """
import torch
import torch.nn.functional as F
import lightning as L
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
teacher = torch.nn.Linear(6, 3)
x = torch.randn(96, 6)
y = teacher(x).argmax(1)


class Student(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(6, 3)
        self.seen = []

    def training_step(self, batch, _):
        xb, yb = batch
        s = self.net(xb)
        with torch.no_grad():
            t = teacher(xb)
        loss = F.kl_div(F.log_softmax(s, 1), F.softmax(t, 1), reduction="batchmean") + F.cross_entropy(s, yb)
        self.seen.append((float(loss), len(yb)))
        return loss

    def on_train_epoch_end(self):
        print("EPOCH_LOSS", sum(v * n for v, n in self.seen) / sum(n for _, n in self.seen))
        self.seen = []

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


trainer = L.Trainer(max_epochs=3, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                    enable_model_summary=False, accelerator="cpu")
trainer.fit(Student(), DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True))
"""


def test_a_distillation_loss_in_a_fit_keeps_every_training_loss(tmp_path, capsys):
    """In a Lightning fit the training loss is the callback's (training_step's whole loss): when
    the runner moves the metrics from a kl_div to the cross_entropy beside it, there is no loss of
    its own to take back, and every batch's training loss stays in TR."""
    script = tmp_path / "distill_fit.py"
    script.write_text(DISTILL_FIT)
    run_script(str(script), [], {"out": str(tmp_path), "name": "run"})
    own = [float(ln.split()[1]) for ln in capsys.readouterr().out.splitlines() if ln.startswith("EPOCH_LOSS")]
    lines = [json.loads(x) for x in (tmp_path / "run" / "run.jsonl").read_text().splitlines()]
    epochs = [e["metrics"]["train"] for e in lines if e["type"] == "epoch"]
    assert len(epochs) == len(own) == 3
    for m, loss in zip(epochs, own, strict=True):
        assert m["loss"] == pytest.approx(loss, rel=1e-4) and "acc" in m, (m, loss)
