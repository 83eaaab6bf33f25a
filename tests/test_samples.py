"""The training samples an epoch counts (the epoch line's TP, the record's `samples`) are the
data's, however many times a step runs the model on a batch: repeated forwards on one DataLoader
batch (a GAN's generator, two views of a batch) count it once, chunks of one batch (a
micro-batched step) add up to it, and without a DataLoader every forward counts."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import torchvitals


def _samples(run_dir) -> list[int]:
    recs = [json.loads(line) for line in (run_dir / "run.jsonl").read_text().splitlines()]
    return [r["samples"] for r in recs if r.get("type") == "epoch"]


def _gan_epochs(tmp_path, loader, epochs: int = 2) -> list[int]:
    """A plain GAN loop run as Lightning's GAN example runs it: the generator three times a
    batch (the kept images, the generator's loss, the discriminator's fakes), both models watched."""
    torch.manual_seed(0)
    gen, disc = nn.Sequential(nn.Linear(4, 8)), nn.Sequential(nn.Linear(8, 1))
    opt_g, opt_d = torch.optim.Adam(gen.parameters(), 1e-3), torch.optim.Adam(disc.parameters(), 1e-3)
    with torchvitals.watch({"generator": gen, "discriminator": disc}, [opt_g, opt_d], out=str(tmp_path),
                           name="gan", console=False) as mon:
        for _ in range(epochs):
            for (imgs,) in loader:
                z = torch.randn(imgs.shape[0], 4)
                kept = gen(z)
                g_loss = F.binary_cross_entropy_with_logits(disc(gen(z)), torch.ones(len(imgs), 1))
                opt_g.zero_grad()
                g_loss.backward()
                opt_g.step()
                real = F.binary_cross_entropy_with_logits(disc(imgs), torch.ones(len(imgs), 1))
                fake = F.binary_cross_entropy_with_logits(disc(gen(z).detach()), torch.zeros(len(imgs), 1))
                opt_d.zero_grad()
                ((real + fake) / 2).backward()
                opt_d.step()
                del kept
            mon.epoch_end()
    return _samples(tmp_path / "gan")


def test_a_gan_counts_each_batch_once(tmp_path):
    data = TensorDataset(torch.randn(52, 8))  # a last, partial batch of 4
    assert _gan_epochs(tmp_path, DataLoader(data, batch_size=16)) == [52, 52]


@pytest.mark.parametrize("chunks", [1, 4])
def test_chunks_of_one_batch_add_up_to_it(tmp_path, chunks):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loader = DataLoader(TensorDataset(torch.randn(40, 3), torch.randn(40, 1)), batch_size=16)
    with torchvitals.watch(model, opt, out=str(tmp_path), name="chunks", console=False) as mon:
        for (x, y) in loader:
            opt.zero_grad()
            for xc, yc in zip(x.chunk(chunks), y.chunk(chunks), strict=True):
                (F.mse_loss(model(xc), yc) / chunks).backward()
            opt.step()
        mon.epoch_end()
    assert _samples(tmp_path / "chunks") == [40]


def test_without_a_dataloader_every_forward_counts(tmp_path):
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with torchvitals.watch(model, opt, out=str(tmp_path), name="bare", console=False) as mon:
        for _ in range(3):
            loss = F.mse_loss(model(torch.randn(8, 3)), torch.zeros(8, 1)) + model(torch.randn(5, 3)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        mon.epoch_end()
    assert _samples(tmp_path / "bare") == [39]
