"""Real small models in real training loops: seeded faults and healthy controls.

Each case trains under torchvitals.watch and returns the Diagnosis. FAULTS maps a case to the
finding name it must produce (and, where it matters, a name the finding must point at);
HEALTHY cases must produce nothing at warning or above.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.findings import Diagnosis


def regression_data(n: int = 512, d: int = 8, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = (x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])).float()
    return x, y


def mlp(d: int = 8, hidden: int = 32) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def train_regression(model: nn.Module, opt: torch.optim.Optimizer, steps: int, seed: int = 0) -> list[float]:
    """A plain MSE loop over 32-row slices of regression_data; the losses it saw."""
    x, y = regression_data(seed=seed)
    losses = []
    for i in range(steps):
        xb, yb = x[i % 16 * 32 : i % 16 * 32 + 32], y[i % 16 * 32 : i % 16 * 32 + 32]
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def fresh_mlp() -> tuple[nn.Sequential, torch.optim.Adam]:
    """mlp() from seed 0 with Adam at 1e-3."""
    torch.manual_seed(0)
    model = mlp()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def batches(x: torch.Tensor, y: torch.Tensor, steps: int, bs: int = 32, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        i = torch.randint(0, len(x), (bs,), generator=g)
        yield x[i], y[i]


def watch(model, opt, tmp: Path, **kw) -> torchvitals.Monitor:
    kw.setdefault("console", False)
    return torchvitals.watch(model, opt, out=str(tmp), name="run", **kw)


def plain_loop(model, opt, data, mon, loss_fn=F.mse_loss) -> Diagnosis:
    for x, y in data:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return mon.close()


# ----------------------------------------------------------------------------- healthy


def healthy_mlp(tmp: Path) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    return plain_loop(model, opt, batches(x, y, 250), mon)


class SmallCNN(nn.Module):
    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.1), nn.Linear(16, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def observed_epoch(mon: torchvitals.Monitor, model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor,
                   y: torch.Tensor, loss_fn: Callable = F.mse_loss, bs: int = 32) -> None:
    """One pass over (x, y) in batches of `bs`: a step each, every batch shown to `observe`
    with its loss function."""
    for i in range(0, len(x), bs):
        pred = model(x[i : i + bs])
        loss = loss_fn(pred, y[i : i + bs])
        opt.zero_grad()
        loss.backward()
        opt.step()
        mon.observe(pred, y[i : i + bs], loss, loss_fn=loss_fn)


def clipped_step(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> None:
    """One classification step, its gradient norm clipped at 1 (the record keeps the pre-clip norm)."""
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def written(run_file: Path, diag: Diagnosis, kinds: tuple[str, ...]) -> tuple[list[dict], list[tuple]]:
    """The records of `kinds` a run wrote (without their clock fields) and its findings as
    sortable keys: what two ways of writing the same run must agree on."""
    lines = [json.loads(x) for x in run_file.read_text().splitlines()]
    for rec in lines:
        for clock in ("time", "seconds", "wall"):
            rec.pop(clock, None)
    keys = sorted((f.name, f.severity, tuple(f.where), f.step) for f in diag.findings)
    return [r for r in lines if r.get("type") in kinds], keys


def image_data(n: int = 512, classes: int = 4, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    x = 0.5 * torch.randn(n, 1, 8, 8, generator=g)
    for c in range(classes):  # each class lights up one quadrant
        r, q = divmod(c, 2)
        x[y == c, :, 4 * r : 4 * r + 4, 4 * q : 4 * q + 4] += 1.0
    return x, y


def healthy_cnn(tmp: Path, leave_eval: bool = False) -> Diagnosis:
    torch.manual_seed(0)
    model = SmallCNN()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=100, gamma=0.5)
    x, y = image_data()
    mon = watch(model, opt, tmp, scheduler=sched)
    for epoch in range(5):
        if not (leave_eval and epoch > 0):
            model.train()
        for xb, yb in batches(x, y, 50, seed=epoch):
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            acc = (model(x).argmax(1) == y).float().mean().item()
        mon.epoch_end(val={"acc": acc})
    return mon.close()


class TinyTransformer(nn.Module):
    def __init__(self, vocab: int = 16, d: int = 32, layers: int = 2) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(0.02 * torch.randn(1, 16, d))
        layer = nn.TransformerEncoderLayer(d, 4, 64, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d, vocab)

    def forward(self, tok: torch.Tensor) -> torch.Tensor:
        h = self.embed(tok) + self.pos[:, : tok.shape[1]]
        return self.head(self.encoder(h))


def healthy_transformer(tmp: Path) -> Diagnosis:
    """Learn to output the running max of a token sequence (per position classification)."""
    torch.manual_seed(0)
    model = TinyTransformer()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 20))
    mon = watch(model, opt, tmp, scheduler=sched)
    g = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(220):
        tok = torch.randint(0, 16, (16, 12), generator=g)
        target = torch.cummax(tok, dim=1).values
        opt.zero_grad()
        logits = model(tok)
        F.cross_entropy(logits.reshape(-1, 16), target.reshape(-1)).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    return mon.close()


def healthy_accumulation(tmp: Path) -> Diagnosis:
    """Gradient accumulation over 4 micro-batches: legitimate backward passes without steps."""
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    for i, (xb, yb) in enumerate(batches(x, y, 400, bs=16)):
        (F.mse_loss(model(xb), yb) / 4).backward()
        if i % 4 == 3:
            opt.step()
            opt.zero_grad(set_to_none=False)
    return mon.close()


class Gen(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def healthy_gan(tmp: Path) -> Diagnosis:
    """Two optimizers; the discriminator's gradients from the generator loss are discarded."""
    torch.manual_seed(0)
    gen = Gen()
    disc = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=1e-3, betas=(0.5, 0.999))
    mon = watch({"generator": gen, "discriminator": disc}, [opt_g, opt_d], tmp)
    g = torch.Generator().manual_seed(0)
    bce = nn.BCEWithLogitsLoss()
    for _ in range(200):
        real = torch.randn(32, 2, generator=g) * 0.3 + torch.tensor([1.0, -1.0])
        fake = gen(torch.randn(32, 4, generator=g))
        opt_d.zero_grad()
        loss_d = bce(disc(real), torch.ones(32, 1)) + bce(disc(fake.detach()), torch.zeros(32, 1))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        bce(disc(fake), torch.ones(32, 1)).backward()
        opt_g.step()
    return mon.close()


def healthy_lora(tmp: Path) -> Diagnosis:
    """A zero-initialised LoRA factor has an exactly-zero gradient at step 1 only."""
    torch.manual_seed(0)

    class LoRA(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = nn.Linear(8, 1)
            self.base.requires_grad_(False)
            self.a = nn.Parameter(0.1 * torch.randn(4, 8))
            self.b = nn.Parameter(torch.zeros(1, 4))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.base(x) + x @ self.a.t() @ self.b.t()

    model = LoRA()
    opt = torch.optim.Adam([model.a, model.b], lr=1e-2)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    return plain_loop(model, opt, batches(x, y, 200), mon)


# ----------------------------------------------------------------------------- faults


class BadNorm(nn.Module):
    """Normalisation with eps in variance units where std units were meant: ÷100 per layer."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + 1e4)


class NormStackNet(nn.Module):
    def __init__(self, depth: int = 5, bad: bool = True) -> None:
        super().__init__()
        self.feature_proj = nn.Linear(8, 32)
        self.stack = nn.Sequential(*[BadNorm() if bad else nn.LayerNorm(32) for _ in range(depth)])
        self.head = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stack(self.feature_proj(x)))


def norm_stack(tmp: Path, bad: bool = True) -> Diagnosis:
    torch.manual_seed(0)
    model = NormStackNet(bad=bad)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = regression_data()
    mon = watch(model, opt, tmp, probe=["feature_proj", "stack.*", "head"], every=10)
    return plain_loop(model, opt, batches(x, y, 60 if bad else 250), mon)


class PoolNet(nn.Module):
    """Seed 001: attention pooling over time; `broken` softmaxes over a size-1 dimension."""

    def __init__(self, broken: bool) -> None:
        super().__init__()
        self.broken = broken
        self.proj = nn.Linear(4, 16)
        self.attn_pool = nn.Linear(16, 1)
        self.head = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.proj(x))  # (B, T, 16)
        if self.broken:
            w = torch.softmax(self.attn_pool(h).mean(1, keepdim=True), dim=-1)  # ≡ 1
            pooled = w[:, 0] * h[:, -1]
        else:
            pooled = (torch.softmax(self.attn_pool(h), dim=1) * h).sum(1)
        return self.head(pooled)


def unused_pool(tmp: Path, broken: bool = True) -> Diagnosis:
    torch.manual_seed(0)
    model = PoolNet(broken)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 6, 4, generator=g)
    y = x[:, :, :1].mean(1)
    mon = watch(model, opt, tmp)
    return plain_loop(model, opt, batches(x, y, 60 if broken else 250), mon)


class TwoTower(nn.Module):
    """Seed 002: a sub-model whose output feeds the loss, once run under torch.no_grad()."""

    def __init__(self, cut: bool) -> None:
        super().__init__()
        self.cut = cut
        self.prompt_encoder = nn.Sequential(nn.Linear(8, 16), nn.Tanh())
        self.agent = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cut:
            with torch.no_grad():
                h = self.prompt_encoder(x)
        else:
            h = self.prompt_encoder(x)
        return self.agent(h)


def no_grad_submodule(tmp: Path, cut: bool = True) -> Diagnosis:
    torch.manual_seed(0)
    model = TwoTower(cut)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    return plain_loop(model, opt, batches(x, y, 40 if cut else 250), mon)


class GatedNet(nn.Module):
    """Seed 004: a backbone and K-specific heads; each batch uses one of them."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(8, 32), nn.ReLU())
        self.heads = nn.ModuleList([nn.Linear(32, 1), nn.Linear(32, 1)])

    def forward(self, x: torch.Tensor, k: int = 0) -> torch.Tensor:
        return self.heads[k](self.backbone(x))


def _group_grad_norm(params) -> float:
    norms = [p.grad.norm(2) for p in params if p.grad is not None]
    return float(torch.norm(torch.stack(norms), 2)) if norms else 0.0


def step_gate(tmp: Path, strict: bool = True, gated_head: int = 1) -> Diagnosis:
    torch.manual_seed(0)
    model = GatedNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = regression_data()
    backbone = list(model.backbone.parameters())
    head = list(model.heads[gated_head].parameters())  # no gradient on batches of the other head
    mon = watch(model, opt, tmp)
    for i, (xb, yb) in enumerate(batches(x, y, 30)):
        opt.zero_grad(set_to_none=True)
        F.mse_loss(model(xb, k=i % 2), yb).backward()  # the heads take turns
        if strict:
            g_back, g_head = _group_grad_norm(backbone), _group_grad_norm(head)
            ok = math.isfinite(g_back) and math.isfinite(g_head) and g_back > 0 and g_head > 0
        else:
            g_total = _group_grad_norm(model.parameters())
            ok = math.isfinite(g_total) and g_total > 0
        if ok:
            opt.step()
    return mon.close()


def partial_optimizer(tmp: Path) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model[4].parameters(), lr=1e-3)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    return plain_loop(model, opt, batches(x, y, 30), mon)


def unfreeze(tmp: Path, add_group: bool = False) -> Diagnosis:
    """Fine-tuning: the first layer frozen, the optimizer built from what is trainable, the
    layer unfrozen at iteration 20, and (the fix) added to the optimizer as a param group."""
    torch.manual_seed(0)
    model = mlp()
    model[0].requires_grad_(False)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    for i, (xb, yb) in enumerate(batches(x, y, 120)):
        if i == 20:
            model[0].requires_grad_(True)
            if add_group:
                opt.add_param_group({"params": list(model[0].parameters()), "lr": 1e-4})
        opt.zero_grad()
        F.mse_loss(model(xb), yb).backward()
        opt.step()
    return mon.close()


def no_zero_grad(tmp: Path) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    for xb, yb in batches(x, y, 30):
        F.mse_loss(model(xb), yb).backward()
        opt.step()
    return mon.close()


def lr_case(tmp: Path, lr: float, opt_cls=torch.optim.Adam, steps: int = 60) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = opt_cls(model.parameters(), lr=lr)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    return plain_loop(model, opt, batches(x, y, steps), mon)


def nan_gradient(tmp: Path) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    x, y = regression_data()
    mon = watch(model, opt, tmp, every=10)
    for i, (xb, yb) in enumerate(batches(x, y, 30)):
        opt.zero_grad()
        F.mse_loss(model(xb), yb).backward()
        if i == 3:
            model[2].weight.grad[0, 0] = float("nan")
        opt.step()
    return mon.close()


def eval_mode(tmp: Path) -> Diagnosis:
    return healthy_cnn(tmp, leave_eval=True)


def scheduler_without_steps(tmp: Path) -> Diagnosis:
    """Seed 004 before its fix: the scheduler steps although the gate skipped the optimizer."""
    torch.manual_seed(0)
    model = GatedNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5)
    x, y = regression_data()
    mon = watch(model, opt, tmp, scheduler=sched)
    for i, (xb, yb) in enumerate(batches(x, y, 40)):
        opt.zero_grad()
        F.mse_loss(model(xb), yb).backward()
        if i % 3 == 0:  # a gate that opens one time in three
            opt.step()
        sched.step()
    return mon.close()


def exploding(tmp: Path) -> Diagnosis:
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-6)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    return plain_loop(model, opt, batches(x, y * 1e5, 20), mon)


def clipped(tmp: Path, max_norm: float = 0.0) -> Diagnosis:
    """clip_grad_norm_ with max_norm=0 ("0 means no clipping" in some configs) scales every
    gradient by 0: Adam takes its steps with nothing to apply."""
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = regression_data()
    mon = watch(model, opt, tmp)
    for xb, yb in batches(x, y, 60):
        opt.zero_grad()
        F.mse_loss(model(xb), yb).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        opt.step()
    return mon.close()


Case = Callable[[Path], Diagnosis]

HEALTHY: dict[str, Case] = {
    "mlp-regression": healthy_mlp,
    "small-cnn": healthy_cnn,
    "small-transformer": healthy_transformer,
    "grad-accumulation": healthy_accumulation,
    "gan-two-optimizers": healthy_gan,
    "lora-zero-init": healthy_lora,
    "norm-stack-fixed": lambda t: norm_stack(t, bad=False),
    "attn-pool-fixed": lambda t: unused_pool(t, broken=False),
    "no-grad-fixed": lambda t: no_grad_submodule(t, cut=False),
    "step-gate-fixed": lambda t: step_gate(t, strict=False),
    "clip-max-norm-one": lambda t: clipped(t, max_norm=1.0),
    "unfrozen-and-added": lambda t: unfreeze(t, add_group=True),
}

# case → (finding name, a string that must appear in the finding's `where`, or None)
FAULTS: dict[str, tuple[Case, str, str | None]] = {
    "norm-stack": (norm_stack, "vanishing-gradient", "stack"),
    "unused-attn-pool": (unused_pool, "dead-parameters", "attn_pool"),
    "no-grad-submodule": (no_grad_submodule, "dead-parameters", "prompt_encoder"),
    "strict-step-gate": (step_gate, "skipped-steps", None),
    "strict-step-gate-on-head-0": (lambda t: step_gate(t, gated_head=0), "skipped-steps", None),
    "partial-optimizer": (partial_optimizer, "unoptimized-parameters", "0"),
    "unfrozen-not-in-optimizer": (unfreeze, "unoptimized-parameters", "0"),
    "no-zero-grad": (no_zero_grad, "grads-not-cleared", None),
    "lr-zero": (lambda t: lr_case(t, 0.0), "parameters-not-moving", None),
    "lr-far-too-small": (lambda t: lr_case(t, 1e-9), "lr-too-small", None),
    "lr-far-too-large": (lambda t: lr_case(t, 3.0), "lr-too-large", None),
    "nan-gradient": (nan_gradient, "nonfinite-gradient", "2"),
    "eval-mode-left-on": (eval_mode, "training-in-eval-mode", None),
    "scheduler-without-steps": (scheduler_without_steps, "scheduler-step-mismatch", None),
    "exploding-gradient": (exploding, "exploding-gradient", None),
    "clip-max-norm-zero": (clipped, "parameters-not-moving", None),
}
