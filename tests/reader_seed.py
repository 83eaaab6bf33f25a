"""A small real run.jsonl with every record type, as the seed that reader tests mutate."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import torch
import torch.nn.functional as F

import torchvitals


def write_seed_run(out: Path) -> Path:
    """Train a tiny model with two optimizers, a parameter group added after watch(), an
    activation probe, observe(), a custom event, epochs and a ReduceLROnPlateau; return its
    run.jsonl (header, layout, step, event, epoch, plateau and end records)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    head = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model[0].parameters(), lr=0.05)
    opt2 = torch.optim.Adam(head.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    mon = torchvitals.watch(
        {"body": model, "head": head}, [opt, opt2], scheduler=sched, out=str(out), name="seed",
        console=False, every=1, probe=["0"],
    )
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    for epoch in range(3):
        if epoch == 1:
            opt.add_param_group({"params": model[2].parameters(), "lr": 0.01})
        for _ in range(4):
            opt.zero_grad()
            opt2.zero_grad()
            pred = model(x) + head(x)
            loss = F.mse_loss(pred, y)
            mon.observe(pred, y, loss)
            loss.backward()
            opt.step()
            opt2.step()
        mon.event("custom-thing", text="a user event", value=1.5)
        with torch.no_grad():
            val = F.mse_loss(model(x) + head(x), y).item()
        mon.epoch_end(train={"loss": loss.item()}, val={"loss": val}, extra={"SR": 0.01})
        sched.step(val)
    mon.close()
    return out / "seed" / "run.jsonl"


def seed_records(run_file: Path) -> list[dict]:
    return [json.loads(line) for line in run_file.read_text().splitlines()]


_SEED: list[str] = []


def seed_lines() -> list[str]:
    """The seed run's lines, written once per test process (a few seconds of training)."""
    if not _SEED:
        with tempfile.TemporaryDirectory(prefix="tv-seed-") as out:
            _SEED.extend(write_seed_run(Path(out)).read_text().splitlines())
    return list(_SEED)
