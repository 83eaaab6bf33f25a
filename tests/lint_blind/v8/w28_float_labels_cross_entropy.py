# expect: TVL009
# style: HF-like hand-written loop for ECG beat classification; dataset class built from a CSV-like array
# bug: ECGBeats.__getitem__ returns the class label as torch.float32 (it is read from the same float matrix as the signal) and the training step passes it directly to F.cross_entropy as class indices
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ecg")
logging.basicConfig(level=logging.INFO, format="%(message)s")
CLASSES = ["N", "S", "V", "F", "Q"]


def make_table(n, length=187, seed=0):
    """Mimic the MIT-BIH csv: each row is 187 samples followed by the label column."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(CLASSES), size=n)
    t = np.linspace(0, 1, length)
    sig = np.sin(2 * np.pi * (3 + y[:, None]) * t) + 0.2 * rng.normal(size=(n, length))
    return np.concatenate([sig, y[:, None]], axis=1).astype(np.float32)


class ECGBeats(Dataset):
    def __init__(self, table):
        self.table = torch.from_numpy(table)

    def __len__(self):
        return self.table.size(0)

    def __getitem__(self, i):
        row = self.table[i]
        return {"signal": row[:-1].unsqueeze(0), "label": row[-1]}


class ECGNet(nn.Module):
    def __init__(self, n_classes=len(CLASSES)):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(1, 32, 5, padding=2), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(), nn.AdaptiveMaxPool1d(1),
        )
        self.fc = nn.Linear(128, n_classes)

    def forward(self, signal):
        return self.fc(self.conv(signal).squeeze(-1))


def training_step(model, batch, device):
    logits = model(batch["signal"].to(device))
    return F.cross_entropy(logits, batch["label"].to(device))


@torch.no_grad()
def evaluation_loop(model, loader, device):
    model.eval()
    correct = total = 0
    per_class = np.zeros((len(CLASSES), 2))
    for batch in loader:
        preds = model(batch["signal"].to(device)).argmax(-1).cpu()
        labels = batch["label"].long()
        correct += (preds == labels).sum().item()
        total += labels.numel()
        for c in range(len(CLASSES)):
            m = labels == c
            per_class[c] += [(preds[m] == c).sum().item(), m.sum().item()]
    return correct / total, per_class[:, 0] / np.maximum(per_class[:, 1], 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--num_train_epochs", type=int, default=10)
    ap.add_argument("--per_device_train_batch_size", type=int, default=128)
    ap.add_argument("--learning_rate", type=float, default=1e-3)
    ap.add_argument("--logging_steps", type=int, default=50)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_dataloader = DataLoader(ECGBeats(make_table(20000)), batch_size=args.per_device_train_batch_size, shuffle=True)
    eval_dataloader = DataLoader(ECGBeats(make_table(3000, seed=1)), batch_size=512)
    model = ECGNet().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    num_training_steps = args.num_train_epochs * len(train_dataloader)
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0 - s / num_training_steps)

    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        for batch in train_dataloader:
            loss = training_step(model, batch, device)
            loss.backward()
            optimizer.step()
            lr_scheduler.step()
            optimizer.zero_grad()
            completed_steps += 1
            if completed_steps % args.logging_steps == 0:
                log.info("step %d loss %.4f lr %.2e", completed_steps, loss.item(), lr_scheduler.get_last_lr()[0])
        acc, recalls = evaluation_loop(model, eval_dataloader, device)
        log.info("epoch %d accuracy %.4f recalls %s", epoch, acc,
                 " ".join(f"{c}={r:.2f}" for c, r in zip(CLASSES, recalls)))
    torch.save(model.state_dict(), "ecgnet.bin")


if __name__ == "__main__":
    main()
