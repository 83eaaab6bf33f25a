"""Activation checkpointing (torch.utils.checkpoint), as memory-bound training uses it: per block
(the Hugging Face gradient_checkpointing pattern) and around the whole model. A checkpoint runs
the forward again inside backward and checks that it saves the same tensors as the first time.

- The first-batch preflight runs its own forwards inside the user's first forward: inside a
  checkpoint they were saved with the user's and the recomputation, which does not run them,
  no longer matched (CheckpointError: the user's training stopped). The preflight now waits for
  a forward outside any saved-tensor hook and, when every one is inside, says it was skipped.
- The recomputed forward is no new batch: it is not counted again.
- use_reentrant=True with an input that needs no gradient gives the checkpointed blocks none (a
  known pitfall: enable_input_require_grads): dead-parameters; the same blocks checkpointed
  with use_reentrant=False train, and nothing is reported."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

import torchvitals


class Net(nn.Module):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 16)) for _ in range(2)])
        self.head = nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for b in self.blocks:
            if self.mode in ("block", "reentrant"):
                x = x + checkpoint(b, x, use_reentrant=self.mode == "reentrant")
            else:
                x = x + b(x)
        return self.head(x)


def _train(mode: str, tmp_path, watched: bool = True, steps: int = 60):
    torch.manual_seed(0)
    model = Net(mode)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(1)
    xs = torch.randn(steps, 32, 16, generator=g)
    ys = (xs @ torch.randn(16, 3, generator=g)).argmax(-1)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), console=False) if watched else None
    losses = []
    for x, y in zip(xs, ys, strict=True):
        opt.zero_grad()
        out = checkpoint(model, x, use_reentrant=False) if mode == "whole" else model(x)
        loss = nn.functional.cross_entropy(out, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    diag = mon.close() if mon is not None else None
    return losses, diag, mon


@pytest.mark.parametrize("mode", ["whole", "block"])
def test_a_checkpointed_model_trains_as_without_torchvitals(mode, tmp_path):
    plain, _, _ = _train(mode, tmp_path, watched=False)
    watched, diag, mon = _train(mode, tmp_path)
    assert watched == plain  # the user's training is untouched (it stopped with CheckpointError before)
    assert diag.healthy, [f.name for f in diag.findings]
    assert mon.history.end["samples"] == 60 * 32  # a recomputed forward is not another batch
    preflight = [r for r in mon.history.events if r.get("kind") == "preflight" and r.get("unjudged")]
    skipped = {k: v for r in preflight for k, v in r["unjudged"].items()}
    if mode == "whole":
        assert "torch.utils.checkpoint" in skipped.get("batch-mixing", ""), skipped
    else:  # the root's forward is outside the blocks' checkpoints: the preflight ran there
        assert "batch-mixing" not in skipped, skipped


def test_reentrant_checkpoint_of_an_input_without_gradient_leaves_the_blocks_dead(tmp_path):
    _, diag, _ = _train("reentrant", tmp_path, steps=20)
    assert "dead-parameters" in diag.names("warning"), [f.name for f in diag.findings]
    dead = next(f for f in diag.findings if f.name == "dead-parameters")
    assert "blocks" in json.dumps(dead.to_dict())
