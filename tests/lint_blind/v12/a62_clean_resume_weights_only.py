# expect: clean
# style: research script with --resume and --pretrained flags (CLI paths), optical-character-recognition CRNN with CTC
# note: both torch.load calls take a path from the command line, but both pass weights_only=True; optimizer state is stored as plain tensors/dicts so the restricted unpickler is enough
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


class CRNN(nn.Module):
    def __init__(self, n_classes=len(ALPHABET) + 1):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, 1, 1), nn.BatchNorm2d(256), nn.ReLU(), nn.MaxPool2d((2, 1)),
        )
        self.rnn = nn.LSTM(256 * 4, 256, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(512, n_classes)

    def forward(self, x):
        f = self.cnn(x)
        b, c, h, w = f.shape
        f = f.permute(0, 3, 1, 2).reshape(b, w, c * h)
        out, _ = self.rnn(f)
        return self.fc(out)


def load_state(path, device):
    return torch.load(path, map_location=device, weights_only=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--pretrained", default="")
    ap.add_argument("--resume", default="")
    ap.add_argument("--save", default="crnn_ckpt")
    args = ap.parse_args()
    os.makedirs(args.save, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    model = CRNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    start = 0
    if args.pretrained:
        model.load_state_dict(load_state(args.pretrained, device), strict=False)
    if args.resume:
        ckpt = torch.load(args.resume, map_location=device, weights_only=True)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        start = int(ckpt["epoch"]) + 1

    imgs = torch.rand(3000, 1, 32, 128)
    labels = torch.randint(1, len(ALPHABET) + 1, (3000, 8))
    train_dl = DataLoader(TensorDataset(imgs, labels), batch_size=64, shuffle=True)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)

    for epoch in range(start, args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            log_probs = F.log_softmax(logits, dim=-1).transpose(0, 1)
            in_lens = torch.full((x.size(0),), log_probs.size(0), dtype=torch.long)
            tgt_lens = torch.full((x.size(0),), y.size(1), dtype=torch.long)
            loss = ctc(log_probs, y, in_lens, tgt_lens)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} ctc {tot / len(train_dl):.4f}")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch},
                   os.path.join(args.save, "last.pt"))


if __name__ == "__main__":
    main()
