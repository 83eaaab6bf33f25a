# expect: TVL005
# style: audio/speech enhancement model with learnable per-channel gain, research argparse script
# bug: ChannelGain creates self.gain with torch.ones(..., requires_grad=True) instead of nn.Parameter, so it is not in model.parameters(): the optimizer never updates it (its grad just accumulates) and it is missing from the state_dict.
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("enhance")


class NoisySpeech(Dataset):
    def __init__(self, n, length=4000, sr=8000, seed=0):
        g = torch.Generator().manual_seed(seed)
        t = torch.arange(length) / sr
        self.clean, self.noisy = [], []
        for _ in range(n):
            f0 = 100 + 200 * torch.rand(1, generator=g)
            clean = torch.sin(2 * math.pi * f0 * t) * torch.hann_window(length)
            noise = 0.3 * torch.randn(length, generator=g)
            self.clean.append(clean)
            self.noisy.append(clean + noise)

    def __len__(self):
        return len(self.clean)

    def __getitem__(self, i):
        return self.noisy[i].unsqueeze(0), self.clean[i].unsqueeze(0)


class ChannelGain(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.gain = torch.ones(1, channels, 1, requires_grad=True)

    def forward(self, x):
        return x * self.gain


class ConvTasNetLite(nn.Module):
    def __init__(self, channels=64, kernel=16, blocks=4):
        super().__init__()
        self.encoder = nn.Conv1d(1, channels, kernel, stride=kernel // 2, bias=False)
        self.tcn = nn.ModuleList([
            nn.Sequential(nn.Conv1d(channels, channels, 3, padding=2 ** b, dilation=2 ** b), nn.PReLU(),
                          nn.GroupNorm(1, channels))
            for b in range(blocks)
        ])
        self.gain = ChannelGain(channels)
        self.mask = nn.Conv1d(channels, channels, 1)
        self.decoder = nn.ConvTranspose1d(channels, 1, kernel, stride=kernel // 2, bias=False)

    def forward(self, wav):
        feats = self.encoder(wav)
        h = feats
        for block in self.tcn:
            h = h + block(h)
        m = torch.sigmoid(self.mask(self.gain(h)))
        out = self.decoder(feats * m)
        return out[..., : wav.shape[-1]]


def si_snr(est, ref, eps=1e-8):
    est = est - est.mean(-1, keepdim=True)
    ref = ref - ref.mean(-1, keepdim=True)
    proj = (est * ref).sum(-1, keepdim=True) * ref / (ref.pow(2).sum(-1, keepdim=True) + eps)
    noise = est - proj
    return 10 * torch.log10(proj.pow(2).sum(-1) / (noise.pow(2).sum(-1) + eps) + eps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(NoisySpeech(512, seed=0), batch_size=args.batch, shuffle=True)
    val_dl = DataLoader(NoisySpeech(64, seed=1), batch_size=args.batch)
    model = ConvTasNetLite()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)

    for epoch in range(args.epochs):
        model.train()
        tr = 0.0
        for noisy, clean in train_dl:
            loss = -si_snr(model(noisy), clean).mean()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tr += loss.item()
        model.eval()
        with torch.no_grad():
            val = sum(-si_snr(model(n), c).mean().item() for n, c in val_dl) / len(val_dl)
        sched.step(val)
        log.info("epoch %d train %.3f dB val %.3f dB", epoch, -tr / len(train_dl), -val)
    torch.save(model.state_dict(), "tasnet_lite.pt")


if __name__ == "__main__":
    main()
