"""A plain Accelerate loop with no torchvitals in it: an MLP regression, prepared by
`Accelerator(cpu=True, gradient_accumulation_steps=2)`, `accelerator.accumulate(model)`,
`accelerator.backward`, clipping when gradients sync, a scheduler prepared with the optimizer.
`--fault partial-opt` gives the optimizer only the last layer; `--fault sched-twice` steps the
scheduler twice per batch. `loop(...)` is what tests call
with a monitor of their own."""

from __future__ import annotations

import argparse

import torch
from accelerate import Accelerator
from torch import nn


def loop(fault: str | None = None, batches: int = 16, on_prepared=None) -> tuple[Accelerator, nn.Module]:
    torch.manual_seed(0)
    accelerator = Accelerator(cpu=True, gradient_accumulation_steps=2)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
    params = model[2].parameters() if fault == "partial-opt" else model.parameters()
    optimizer = torch.optim.AdamW(params, lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    x = torch.randn(batches * 8, 8)
    data = torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True))
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    if on_prepared is not None:
        on_prepared(model, optimizer, scheduler)
    for xb, yb in loader:
        with accelerator.accumulate(model):
            loss = nn.functional.mse_loss(model(xb), yb)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            if fault == "sched-twice":
                scheduler.step()
            optimizer.zero_grad()
    return accelerator, model


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fault", choices=["partial-opt", "sched-twice"])
    loop(parser.parse_args().fault)
