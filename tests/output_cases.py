"""Output-health cases: real small models, real loops, observe() and epoch_end(); each fault
with a twin that must stay silent."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from cases import TinyTransformer, image_data, mlp, regression_data
from torch import nn

import torchvitals
from torchvitals.findings import Diagnosis


def _watch(model, opt, tmp: Path, **kw) -> torchvitals.Monitor:
    kw.setdefault("console", False)
    kw.setdefault("every", 5)
    return torchvitals.watch(model, opt, out=str(tmp), name="run", **kw)


def _epochs(model, opt, mon, train, val, epochs=3, bs=32, loss_fn=F.mse_loss, prep=lambda p: p, step=True, observe_kw=None):
    """Plain epochs: train on minibatches, observe each; validate with observe(split='val')."""
    (xt, yt), (xv, yv) = train, val
    g = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), bs):
            idx = perm[i : i + bs]
            opt.zero_grad()
            pred = prep(model(xt[idx]))
            loss = loss_fn(pred, yt[idx])
            loss.backward()
            if step:
                opt.step()
            mon.observe(pred, yt[idx], loss, inputs=xt[idx], **(observe_kw or {}))
        model.eval()
        with torch.no_grad():
            pred = prep(model(xv))
            vloss = loss_fn(pred, yv)
            mon.observe(pred, yv, vloss, inputs=xv, **(observe_kw or {}))
        mon.epoch_end()
    return mon.close()


def _split(x, y, n=384):
    return (x[:n], y[:n]), (x[n:], y[n:])


# --------------------------------------------------------------------------- regression head


class ReluHead(nn.Module):
    def __init__(self, relu: bool) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 32), nn.Tanh())
        self.head = nn.Sequential(nn.Linear(32, 1), nn.ReLU()) if relu else nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x)).squeeze(-1)


def negative_targets():
    x, _ = regression_data(n=512)
    y = -(x[:, 0].abs() + 1.0 + 0.3 * x[:, 1])  # every target below zero
    return _split(x, y)


def relu_head(tmp: Path, relu: bool = True, observe: bool = True) -> Diagnosis:
    torch.manual_seed(3)
    model = ReluHead(relu)
    with torch.no_grad():  # a head whose ReLU is dead from the start
        if relu:
            model.head[0].bias.fill_(-5.0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    mon = _watch(model, opt, tmp)
    train, val = negative_targets()
    if observe:
        return _epochs(model, opt, mon, train, val, epochs=8)
    x, y = train
    for _ in range(4):
        for i in range(0, len(x), 32):
            opt.zero_grad()
            F.mse_loss(model(x[i : i + 32]), y[i : i + 32]).backward()
            opt.step()
    return mon.close()


# --------------------------------------------------------------------------- seed 001 forecaster


def ar_series(n: int = 900, window: int = 16, seed: int = 0):
    """A stationary AR(2) series (momentum): persistence is strong, a linear model can beat it."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(n + window + 2)
    noise = 0.1 * torch.randn(len(x), generator=g)
    for t in range(2, len(x)):
        x[t] = 1.5 * x[t - 1] - 0.6 * x[t - 2] + noise[t]
    xs = torch.stack([x[t : t + window] for t in range(n)]).unsqueeze(-1)  # (B, T, 1)
    ys = x[window : window + n]
    return xs, ys


class Forecaster(nn.Module):
    def __init__(self, window: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(window, 1))  # AR(2) is linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def forecaster(tmp: Path, lr: float = 3e-2) -> Diagnosis:
    torch.manual_seed(0)
    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    mon = _watch(model, opt, tmp, baseline=lambda x: x[:, -1, 0])  # persistence: the last value
    x, y = ar_series()
    return _epochs(model, opt, mon, (x[:700], y[:700]), (x[700:], y[700:]), epochs=6)


# --------------------------------------------------------------------------- loss inputs


def mse_broadcast(tmp: Path, squeeze: bool = False) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    mon = _watch(model, opt, tmp)
    x, y = regression_data()
    y = y[:, 0]  # (B,)
    prep = (lambda p: p.squeeze(-1)) if squeeze else (lambda p: p)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's own size warning, the symptom we catch
        return _epochs(model, opt, mon, *_split(x, y), prep=prep, epochs=4)


def classifier_data():
    x, y = image_data(n=512)
    return _split(x.flatten(1), y)


def softmax_before_ce(tmp: Path, softmax: bool = True) -> Diagnosis:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 4))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = _watch(model, opt, tmp)
    prep = (lambda p: torch.softmax(p, -1)) if softmax else (lambda p: p)
    return _epochs(model, opt, mon, *classifier_data(), loss_fn=F.cross_entropy, prep=prep, observe_kw={"loss_fn": F.cross_entropy})


# --------------------------------------------------------------------------- nothing moves


def frozen_model(tmp: Path, frozen: bool = True) -> Diagnosis:
    """Seed 004: the gate never opens, validation reports the same loss every epoch."""
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = _watch(model, opt, tmp)
    train, val = _split(*regression_data())
    (xt, yt), (xv, yv) = train, val
    for _ in range(4):
        for i in range(0, len(xt), 32):
            opt.zero_grad()
            F.mse_loss(model(xt[i : i + 32]), yt[i : i + 32]).backward()
            if not frozen:
                opt.step()
        with torch.no_grad():
            vloss = F.mse_loss(model(xv), yv).item()
        mon.epoch_end(val={"loss": vloss})
    return mon.close()


def flat_loss(tmp: Path, lr: float = 0.0) -> Diagnosis:
    """Full-batch training: with lr=0 the loss is exactly flat."""
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    mon = _watch(model, opt, tmp, every=2)
    x, y = regression_data(n=256)
    for _ in range(60):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        mon.observe(loss=loss)
    return mon.close()


def nan_loss(tmp: Path, inject: bool = True) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    mon = _watch(model, opt, tmp)
    x, y = regression_data()
    for i in range(30):
        opt.zero_grad()
        pred = model(x[i * 8 : i * 8 + 8])
        loss = F.mse_loss(pred, y[i * 8 : i * 8 + 8])
        if inject and i == 12:
            loss = loss * torch.log(torch.zeros(()))  # -inf
        mon.observe(pred, y[i * 8 : i * 8 + 8], loss)
        if torch.isfinite(loss):
            loss.backward()
            opt.step()
    return mon.close()


def overfit(tmp: Path, overfit: bool = True) -> Diagnosis:
    """A wide MLP on 32 samples of pure noise memorises them; validation loss climbs."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    xt, yt = torch.randn(32, 8, generator=g), torch.randn(32, generator=g)
    xv, yv = torch.randn(256, 8, generator=g), torch.randn(256, generator=g)
    if not overfit:  # learnable and plenty of data: both losses fall
        xt, xv = torch.randn(2048, 8, generator=g), xv
        yt, yv = xt[:, 0] * 2, xv[:, 0] * 2
    model = nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    mon = _watch(model, opt, tmp, every=20)
    return _epochs(model, opt, mon, (xt, yt), (xv, yv), epochs=12, prep=lambda p: p.squeeze(-1))


# --------------------------------------------------------------------------- nothing to learn


def shuffled_apart(tmp: Path, apart: bool = True) -> Diagnosis:
    """Features and targets shuffled by two independent permutations each epoch (two
    DataLoaders with shuffle=True zipped together): every input meets another sample's target."""
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = _watch(model, opt, tmp)
    x, y = regression_data(n=512)
    y = (y - y.mean()) / y.std()
    g = torch.Generator().manual_seed(0)
    for _ in range(6):
        px = torch.randperm(len(x), generator=g)
        py = torch.randperm(len(x), generator=g) if apart else px
        for i in range(0, len(x), 32):
            opt.zero_grad()
            pred = model(x[px[i : i + 32]])
            target = y[py[i : i + 32]]
            loss = F.mse_loss(pred, target)
            loss.backward()
            opt.step()
            mon.observe(pred, target, loss, loss_fn=F.mse_loss)
        mon.epoch_end()
    return mon.close()


# --------------------------------------------------------------------------- sigmoid before BCEWithLogits


def binary_data(n: int = 1024, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 12, generator=g)
    y = ((x[:, 0] - x[:, 1] + 0.3 * x[:, 2] * x[:, 3]) > 0).float()
    return x, y


def sigmoid_bce(tmp: Path, head: str = "sigmoid") -> Diagnosis:
    """A binary classifier trained with BCEWithLogits on `head`: "sigmoid" (the bug: the loss
    applies a second sigmoid), "logits" (the fix), or "unit" (logits squeezed into (0, 1)
    without a sigmoid, as a GAN discriminator's sit for long stretches: no probabilities)."""
    torch.manual_seed(0)
    body = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.Adam(body.parameters(), lr=1e-3)
    mon = _watch(body, opt, tmp)
    x, y = binary_data()
    for i in range(0, 1024, 16):
        opt.zero_grad()
        z = body(x[i : i + 16]).squeeze(-1)
        out = torch.sigmoid(z) if head == "sigmoid" else 0.5 + 0.4 * torch.tanh(z) if head == "unit" else z
        loss = F.binary_cross_entropy_with_logits(out, y[i : i + 16])
        loss.backward()
        opt.step()
        mon.observe(out, y[i : i + 16], loss, loss_fn=F.binary_cross_entropy_with_logits)
    return mon.close()


# --------------------------------------------------------------------------- healthy


def healthy_regression(tmp: Path) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    mon = _watch(model, opt, tmp)
    return _epochs(model, opt, mon, *_split(*regression_data()), epochs=4)


def healthy_classification(tmp: Path) -> Diagnosis:
    return softmax_before_ce(tmp, softmax=False)


class SeqRegressor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(1, 16, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1]).squeeze(-1)


def healthy_sequence(tmp: Path) -> Diagnosis:
    torch.manual_seed(0)
    model = SeqRegressor()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    mon = _watch(model, opt, tmp, baseline=lambda x: x[:, -1, 0])
    x, y = ar_series(n=600)
    return _epochs(model, opt, mon, (x[:480], y[:480]), (x[480:], y[480:]), epochs=4)


def healthy_token_classifier(tmp: Path) -> Diagnosis:
    """Per-token classification with (B, T, C) logits and (B, T) targets."""
    torch.manual_seed(0)
    model = TinyTransformer()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    mon = _watch(model, opt, tmp)
    g = torch.Generator().manual_seed(0)
    for _epoch in range(3):
        model.train()
        for _ in range(40):
            tok = torch.randint(0, 16, (16, 12), generator=g)
            target = torch.cummax(tok, dim=1).values
            opt.zero_grad()
            logits = model(tok)
            loss = F.cross_entropy(logits.reshape(-1, 16), target.reshape(-1))
            loss.backward()
            opt.step()
            mon.observe(logits, target, loss, loss_fn=F.cross_entropy)
        mon.epoch_end()
    return mon.close()


HEALTHY = {
    "regression": healthy_regression,
    "classification": healthy_classification,
    "sequence-gru": healthy_sequence,
    "token-classifier": healthy_token_classifier,
    "relu-head-fixed": lambda t: relu_head(t, relu=False),
    "forecaster-good-lr": forecaster,
    "mse-shapes-match": lambda t: mse_broadcast(t, squeeze=True),
    "frozen-fixed": lambda t: frozen_model(t, frozen=False),
    "flat-loss-fixed": lambda t: flat_loss(t, lr=0.05),
    "nan-loss-fixed": lambda t: nan_loss(t, inject=False),
    "overfit-fixed": lambda t: overfit(t, overfit=False),
    "targets-paired": lambda t: shuffled_apart(t, apart=False),
    "bce-on-logits": lambda t: sigmoid_bce(t, head="logits"),
    "bce-on-logits-inside-unit-interval": lambda t: sigmoid_bce(t, head="unit"),
}

FAULTS = {
    "relu-head-collapse": (relu_head, "prediction-collapse"),
    "relu-head-collapse-auto": (lambda t: relu_head(t, observe=False), "prediction-collapse"),
    "forecaster-lr-too-small": (lambda t: forecaster(t, lr=1e-7), "worse-than-baseline"),
    "mse-broadcast": (mse_broadcast, "loss-input-mismatch"),
    "softmax-before-ce": (softmax_before_ce, "probabilities-as-logits"),
    "frozen-model": (frozen_model, "metric-stagnation"),
    "flat-loss": (flat_loss, "loss-not-decreasing"),
    "nan-loss": (nan_loss, "nonfinite-loss"),
    "overfitting": (overfit, "overfitting"),
    "targets-shuffled-apart": (shuffled_apart, "worse-than-baseline"),
    "sigmoid-before-bce-with-logits": (sigmoid_bce, "probabilities-as-logits"),
}
