"""validation-in-train-mode: evaluation passes under no_grad()/inference_mode() with the watched
model in train() and dropout or batch norm active; each fault has healthy controls."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.offline import diagnose

NAME = "validation-in-train-mode"


def _data(n: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 8, generator=g)
    return x, x[:, :1] * 2 - x[:, 1:2]


def _bn_mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))


def _train(model: nn.Module, tmp_path, evaluate, per_step=None, epochs: int = 2):
    """Two epochs of 8 steps; `evaluate()` after each epoch, `per_step()` inside each step."""
    x, y = _data()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False) as mon:
        for _ in range(epochs):
            model.train()
            for i in range(0, 256, 32):
                if per_step is not None:
                    per_step(x[i : i + 32])
                opt.zero_grad()
                F.mse_loss(model(x[i : i + 32]), y[i : i + 32]).backward()
                opt.step()
            evaluate(x[:64])
    return mon.diagnosis


def _val(model: nn.Module, eval_mode: bool, ctx=torch.no_grad):
    def run(x: torch.Tensor) -> None:
        if eval_mode:
            model.eval()
        with ctx():
            for i in range(0, 64, 16):
                model(x[i : i + 16])

    return run


def test_validation_without_eval_is_found_at_the_next_iteration(tmp_path):
    model = _bn_mlp()
    diag = _train(model, tmp_path, _val(model, eval_mode=False))
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert f.severity == "warning" and f.step == 9  # the first iteration after epoch 1's pass
    assert f.evidence["passes"] == 2 and f.evidence["forwards"] == 8
    assert [g.name for g in diagnose(tmp_path / "run").findings if g.name == NAME] == [NAME]


def test_inference_mode_counts_too(tmp_path):
    model = _bn_mlp()
    diag = _train(model, tmp_path, _val(model, eval_mode=False, ctx=torch.inference_mode))
    assert NAME in diag.names("warning")


def test_validation_in_eval_is_silent(tmp_path):
    model = _bn_mlp()
    diag = _train(model, tmp_path, _val(model, eval_mode=True))
    assert NAME not in diag.names(), diag.findings


def test_models_without_dropout_or_batch_norm_are_silent(tmp_path):
    """RL rollouts and evaluation of a plain MLP under no_grad in train(): nothing behaves
    differently there."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
    diag = _train(model, tmp_path, _val(model, eval_mode=False), per_step=lambda x: _no_grad(model, x))
    assert NAME not in diag.names(), diag.findings


def _no_grad(model: nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        model(x)


def test_an_unwatched_teacher_in_train_mode_is_silent(tmp_path):
    """An EMA copy / teacher evaluated under no_grad in train(): not the watched model."""
    model = _bn_mlp()
    teacher = copy.deepcopy(model)
    diag = _train(model, tmp_path, _val(teacher, eval_mode=False), per_step=lambda x: _no_grad(teacher, x))
    assert NAME not in diag.names(), diag.findings


def test_monte_carlo_dropout_on_purpose_is_silent(tmp_path):
    """model.eval() with only the dropout layers switched back to train()."""
    model = _bn_mlp()

    def mc(x: torch.Tensor) -> None:
        model.eval()
        for m in model.modules():
            if isinstance(m, nn.Dropout):
                m.train()
        _val(model, eval_mode=False)(x)

    diag = _train(model, tmp_path, mc)
    assert NAME not in diag.names(), diag.findings


def test_one_forward_per_training_step_is_info_only(tmp_path):
    """Pseudo-labels from the model itself, one no_grad forward inside each iteration: told at
    info, never a warning."""
    model = _bn_mlp()
    diag = _train(model, tmp_path, lambda x: None, per_step=lambda x: _no_grad(model, x))
    assert NAME not in diag.names("warning")
    assert NAME in diag.names("info")


def _loader_train(model: nn.Module, tmp_path, per_step=None, evaluate=None):
    """Two epochs over a DataLoader of 8 batches; `per_step(x)` before each step's training
    forward, on its batch; `evaluate()` after each epoch."""
    from torch.utils.data import DataLoader, TensorDataset

    x, y = _data()
    loader = DataLoader(TensorDataset(x, y), batch_size=32)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False) as mon:
        for _ in range(2):
            model.train()
            for xb, yb in loader:
                if per_step is not None:
                    per_step(xb)
                opt.zero_grad()
                F.mse_loss(model(xb), yb).backward()
                opt.step()
            if evaluate is not None:
                evaluate()
    return mon.diagnosis


def test_label_guesses_on_the_batch_being_trained_are_no_evaluation_pass(tmp_path):
    """MixMatch guesses labels with two forwards under no_grad in train() mode on the batch it
    then trains on: part of the training iteration, told at info, never a warning."""
    model = _bn_mlp()

    def guess(xb: torch.Tensor) -> None:
        with torch.no_grad():
            model(xb)
            model(xb.flip(0))

    diag = _loader_train(model, tmp_path, per_step=guess)
    assert NAME not in diag.names("warning"), diag.findings
    assert NAME in diag.names("info")


def test_tensors_in_memory_evaluated_in_train_mode_after_loader_training(tmp_path):
    """The control: training from a DataLoader, evaluation of tensors in memory in chunks,
    without model.eval(): an evaluation pass at once."""
    model = _bn_mlp()
    x, _ = _data(64)
    diag = _loader_train(model, tmp_path, evaluate=lambda: _val(model, eval_mode=False)(x))
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert f.severity == "warning" and f.evidence["passes"] == 2 and f.step == 9


def test_a_batch_drawn_for_evaluation_and_evaluated_in_chunks(tmp_path):
    """The control: a batch taken from a validation loader and evaluated in chunks in train()
    mode, then training goes on with the next batch: an evaluation pass, told once the next
    training forward shows the batch was not trained on (the last one when watching ends)."""
    from torch.utils.data import DataLoader, TensorDataset

    model = _bn_mlp()
    x, y = _data(64)
    val = DataLoader(TensorDataset(x, y), batch_size=64)

    def evaluate() -> None:
        xv, _ = next(iter(val))
        _val(model, eval_mode=False)(xv)

    diag = _loader_train(model, tmp_path, evaluate=evaluate)
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert f.severity == "warning" and f.evidence["passes"] == 2 and f.step == 9
