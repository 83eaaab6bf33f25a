# expect: clean
# style: audio-event linear probe on a frozen pretrained encoder, helper functions, argparse
# note: only the head is passed to the optimizer and the encoder forward runs under torch.no_grad(), but the encoder is explicitly frozen (requires_grad_(False), eval()) and the head is computed with grad, so the loss path to the trained head is intact
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("probe")
N_EVENTS = 50


class AudioEncoder(nn.Module):
    """Stand-in for a pretrained audio encoder (e.g. a PANN/BEATs-style CNN)."""

    def __init__(self, d=512):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, d, 3, padding=1), nn.BatchNorm2d(d), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.out_dim = d

    def forward(self, mel):
        return self.net(mel)


class ClipSet(Dataset):
    def __init__(self, n, seed=0):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, N_EVENTS, n)
        self.seeds = rng.integers(0, 2**31 - 1, n)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(int(self.seeds[i]))
        mel = torch.randn(1, 64, 256, generator=g) + 0.01 * self.labels[i]
        return mel, int(self.labels[i])


def build_frozen_encoder(ckpt_path, device):
    enc = AudioEncoder()
    if ckpt_path and os.path.isfile(ckpt_path):
        enc.load_state_dict(torch.load(ckpt_path, map_location="cpu", weights_only=True))
        log.info("loaded encoder weights from %s", ckpt_path)
    enc.requires_grad_(False)
    enc.eval()
    return enc.to(device)


def embed(encoder, mel):
    with torch.no_grad():
        return encoder(mel)


def evaluate(encoder, head, loader, device):
    head.eval()
    correct = n = 0
    with torch.no_grad():
        for mel, y in loader:
            logits = head(embed(encoder, mel.to(device)))
            correct += (logits.argmax(1).cpu() == y).sum().item()
            n += y.numel()
    head.train()
    return correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder-ckpt", default="")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    encoder = build_frozen_encoder(args.encoder_ckpt, device)
    head = nn.Sequential(nn.LayerNorm(encoder.out_dim), nn.Dropout(0.2), nn.Linear(encoder.out_dim, N_EVENTS)).to(device)
    optimizer = torch.optim.Adam(head.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=8, gamma=0.3)

    train_dl = DataLoader(ClipSet(5000), batch_size=args.bs, shuffle=True, num_workers=4)
    val_dl = DataLoader(ClipSet(800, seed=1), batch_size=128, num_workers=4)

    for epoch in range(args.epochs):
        head.train()
        losses = []
        for mel, y in train_dl:
            mel, y = mel.to(device), y.to(device)
            feats = embed(encoder, mel)
            loss = F.cross_entropy(head(feats), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        acc = evaluate(encoder, head, val_dl, device)
        log.info("epoch %d loss %.4f val acc %.4f lr %.2e", epoch, np.mean(losses), acc, scheduler.get_last_lr()[0])
    torch.save(head.state_dict(), "probe_head.pt")


if __name__ == "__main__":
    main()
