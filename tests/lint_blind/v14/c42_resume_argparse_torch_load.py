# expect: TVL014
# style: research repo train.py with --resume flag, optical character recognition (CRNN + CTC)
# bug: the checkpoint path comes from --resume on the command line and is passed to torch.load without weights_only=True
import argparse
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


class FakeTextLines(Dataset):
    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.imgs = torch.rand(n, 1, 32, 128, generator=g)
        self.lens = torch.randint(3, 10, (n,), generator=g)
        self.texts = [torch.randint(1, len(ALPHABET) + 1, (int(l),), generator=g) for l in self.lens]

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        return self.imgs[i], self.texts[i]


def collate(batch):
    imgs, texts = zip(*batch)
    return torch.stack(imgs), torch.cat(texts), torch.tensor([len(t) for t in texts])


class CRNN(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, 1, 1), nn.BatchNorm2d(256), nn.ReLU(), nn.MaxPool2d((2, 1)),
            nn.Conv2d(256, 256, 3, 1, 1), nn.ReLU(), nn.MaxPool2d((4, 1)))
        self.rnn = nn.LSTM(256, 128, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        f = self.cnn(x).squeeze(2).permute(2, 0, 1)   # (T, B, C)
        h, _ = self.rnn(f)
        return self.fc(h).log_softmax(-1)


def parse_args():
    p = argparse.ArgumentParser("CRNN training")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--resume", type=str, default="", help="path to a checkpoint to resume from")
    p.add_argument("--save-dir", type=str, default="checkpoints")
    return p.parse_args()


def main():
    args = parse_args()
    os.makedirs(args.save_dir, exist_ok=True)
    model = CRNN(len(ALPHABET) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    start_epoch = 0
    if args.resume:
        ckpt = torch.load(args.resume, map_location="cpu")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        start_epoch = ckpt["epoch"] + 1
        print(f"resumed from {args.resume} at epoch {start_epoch}")

    train_loader = DataLoader(FakeTextLines(3000), batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    val_loader = DataLoader(FakeTextLines(300, seed=1), batch_size=100, collate_fn=collate)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)

    for epoch in range(start_epoch, args.epochs):
        model.train()
        total = 0.0
        for imgs, targets, target_lens in train_loader:
            logp = model(imgs)
            input_lens = torch.full((imgs.size(0),), logp.size(0), dtype=torch.long)
            loss = ctc(logp, targets, input_lens, target_lens)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5)
            optimizer.step()
            total += loss.item()
        model.eval()
        with torch.no_grad():
            val = 0.0
            for imgs, targets, target_lens in val_loader:
                logp = model(imgs)
                il = torch.full((imgs.size(0),), logp.size(0), dtype=torch.long)
                val += ctc(logp, targets, il, target_lens).item()
        print(f"epoch {epoch} train_ctc {total / len(train_loader):.4f} val_ctc {val / len(val_loader):.4f}")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch},
                   os.path.join(args.save_dir, "last.pt"))


if __name__ == "__main__":
    main()
