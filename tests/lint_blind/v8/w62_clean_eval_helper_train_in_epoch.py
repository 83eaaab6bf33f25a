# expect: clean
# style: research repo train_one_epoch/evaluate split, speech emotion recognition with CNN+GRU and dropout
# note: evaluate() calls model.eval() and never switches back, which looks like TVL004, but train_one_epoch() begins with model.train() so every epoch trains in train mode
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
logger = logging.getLogger("ser")
EMOTIONS = ["neutral", "happy", "sad", "angry"]


class EmotionClips(Dataset):
    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.y = torch.randint(0, len(EMOTIONS), (n,), generator=g)
        self.frames = torch.randint(150, 400, (n,), generator=g)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.randn(int(self.frames[i]), 40) + 0.1 * self.y[i], self.y[i]


def pad_collate(batch):
    x, y = zip(*batch)
    lengths = torch.tensor([t.size(0) for t in x])
    return nn.utils.rnn.pad_sequence(x, batch_first=True), lengths, torch.stack(y)


class CRNN(nn.Module):
    def __init__(self, n_mels=40, hidden=128, n_classes=len(EMOTIONS)):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv1d(n_mels, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3),
                                 nn.Conv1d(128, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3))
        self.gru = nn.GRU(128, hidden, batch_first=True, bidirectional=True)
        self.attn = nn.Linear(2 * hidden, 1)
        self.fc = nn.Linear(2 * hidden, n_classes)

    def forward(self, x, lengths):
        h = self.cnn(x.transpose(1, 2)).transpose(1, 2)
        h, _ = self.gru(h)
        scores = self.attn(h).squeeze(-1)
        pad = torch.arange(h.size(1), device=h.device)[None] >= lengths.to(h.device)[:, None]
        w = scores.masked_fill(pad, float("-inf")).softmax(-1)
        return self.fc((w.unsqueeze(-1) * h).sum(1))


def train_one_epoch(model, loader, optimizer, device, epoch):
    model.train()
    total, n = 0.0, 0
    for x, lengths, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x, lengths), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        total += loss.item() * y.size(0)
        n += y.size(0)
    logger.info("epoch %d train loss %.4f", epoch, total / n)
    return total / n


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    conf = torch.zeros(len(EMOTIONS), len(EMOTIONS))
    for x, lengths, y in loader:
        pred = model(x.to(device), lengths).argmax(-1).cpu()
        for t, p in zip(y.tolist(), pred.tolist()):
            conf[t, p] += 1
    ua = (conf.diag() / conf.sum(1).clamp(min=1)).mean().item()
    wa = (conf.diag().sum() / conf.sum()).item()
    return ua, wa


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--save-dir", default="ser_ckpt")
    args = ap.parse_args()
    os.makedirs(args.save_dir, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_loader = DataLoader(EmotionClips(3000), batch_size=args.bs, shuffle=True, collate_fn=pad_collate)
    val_loader = DataLoader(EmotionClips(500, seed=1), batch_size=64, shuffle=False, collate_fn=pad_collate)
    model = CRNN().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", patience=3, factor=0.5)
    best_ua = 0.0
    for epoch in range(args.epochs):
        train_one_epoch(model, train_loader, optimizer, device, epoch)
        ua, wa = evaluate(model, val_loader, device)
        scheduler.step(ua)
        logger.info("epoch %d UA %.4f WA %.4f", epoch, ua, wa)
        if ua > best_ua:
            best_ua = ua
            torch.save(model.state_dict(), os.path.join(args.save_dir, "best.pt"))


if __name__ == "__main__":
    main()
