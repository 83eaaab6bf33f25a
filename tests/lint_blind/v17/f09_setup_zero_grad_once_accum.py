# expect: TVL003
# style: speech command recognition, research script with setup()/train() split and gradient accumulation
# bug: zero_grad() is called only once in setup(); train() steps every `accum` micro-batches but never clears gradients again, so they accumulate for the whole run.
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

LABELS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


class FakeSpeechCommands(Dataset):
    def __init__(self, n, sr=16000, seed=0):
        self.n, self.sr = n, sr
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, len(LABELS), (n,), generator=g)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        t = torch.arange(self.sr) / self.sr
        freq = 200 + 80 * self.labels[i].item()
        wav = torch.sin(2 * math.pi * freq * t) + 0.3 * torch.randn(self.sr)
        return wav, self.labels[i]


class LogMel(nn.Module):
    def __init__(self, n_fft=400, hop=160, n_mels=40):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("window", torch.hann_window(n_fft))
        self.register_buffer("fb", torch.rand(n_fft // 2 + 1, n_mels))

    def forward(self, wav):
        spec = torch.stft(wav, self.n_fft, self.hop, window=self.window, return_complex=True).abs().pow(2)
        return torch.log(spec.transpose(1, 2) @ self.fb + 1e-6)


class KWSNet(nn.Module):
    def __init__(self, n_mels=40, n_cls=len(LABELS)):
        super().__init__()
        self.frontend = LogMel(n_mels=n_mels)
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 5, padding=2, dilation=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 128, 3, padding=2, dilation=2), nn.BatchNorm1d(128), nn.ReLU(),
        )
        self.fc = nn.Linear(128, n_cls)

    def forward(self, wav):
        x = self.frontend(wav).transpose(1, 2)
        return self.fc(self.conv(x).mean(-1))


def setup(args):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = KWSNet().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    optimizer.zero_grad()
    train_dl = DataLoader(FakeSpeechCommands(4000, seed=0), batch_size=args.micro_bs, shuffle=True, num_workers=2)
    val_dl = DataLoader(FakeSpeechCommands(800, seed=1), batch_size=128)
    return device, model, optimizer, train_dl, val_dl


def validate(model, loader, device):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for wav, y in loader:
            pred = model(wav.to(device)).argmax(-1).cpu()
            correct += (pred == y).sum().item()
            total += y.numel()
    return correct / total


def train(args):
    device, model, optimizer, train_dl, val_dl = setup(args)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        seen_loss = 0.0
        for i, (wav, y) in enumerate(train_dl):
            wav, y = wav.to(device), y.to(device)
            loss = F.cross_entropy(model(wav), y) / args.accum
            loss.backward()
            seen_loss += loss.item()
            if (i + 1) % args.accum == 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                optimizer.step()
                step += 1
        acc = validate(model, val_dl, device)
        print(f"epoch {epoch} steps {step} loss {seen_loss * args.accum / len(train_dl):.4f} val_acc {acc:.3f}")
        os.makedirs(args.ckpt_dir, exist_ok=True)
        torch.save({"model": model.state_dict(), "epoch": epoch}, os.path.join(args.ckpt_dir, "last.pt"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--micro-bs", type=int, default=32)
    ap.add_argument("--accum", type=int, default=4)
    ap.add_argument("--ckpt-dir", default="ckpt_kws")
    train(ap.parse_args())
