# expect: TVL009
# style: speech-commands style phoneme frame classifier, Dataset returns labels from a float feature matrix
# bug: FrameDataset slices the frame label out of the float32 feature array, so the target reaching F.nll_loss is a float tensor instead of int64 class indices
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("phone")
N_PHONES = 40
CONTEXT = 5


class FrameDataset(Dataset):
    """Rows are [40 mfcc ... | phone_id] stored together in one float32 matrix (as exported from Kaldi)."""

    def __init__(self, n_utts=200, frames=300, n_mfcc=40, seed=0):
        rng = np.random.default_rng(seed)
        feats = rng.normal(size=(n_utts * frames, n_mfcc)).astype(np.float32)
        labels = rng.integers(0, N_PHONES, size=(n_utts * frames, 1)).astype(np.float32)
        self.table = np.concatenate([feats, labels], axis=1)
        self.n_mfcc = n_mfcc
        self.pad = np.zeros((CONTEXT, n_mfcc + 1), dtype=np.float32)
        self.padded = np.concatenate([self.pad, self.table, self.pad])

    def __len__(self):
        return len(self.table)

    def __getitem__(self, i):
        window = self.padded[i:i + 2 * CONTEXT + 1, :self.n_mfcc]
        label = self.table[i, self.n_mfcc]
        return torch.from_numpy(window.reshape(-1)), torch.tensor(label)


class FrameMLP(nn.Module):
    def __init__(self, n_in, hidden=1024):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(hidden, N_PHONES))

    def forward(self, x):
        return F.log_softmax(self.net(x), dim=-1)


def train_epoch(model, loader, opt, device):
    model.train()
    tot, n = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logp = model(x)
        loss = F.nll_loss(logp, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * len(y)
        n += len(y)
    return tot / n


@torch.no_grad()
def frame_error_rate(model, loader, device):
    model.eval()
    wrong, n = 0, 0
    for x, y in loader:
        pred = model(x.to(device)).argmax(-1).cpu()
        wrong += (pred != y.long()).sum().item()
        n += len(y)
    return wrong / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tr = DataLoader(FrameDataset(seed=0), batch_size=512, shuffle=True, num_workers=2)
    dv = DataLoader(FrameDataset(n_utts=40, seed=1), batch_size=2048)
    model = FrameMLP(40 * (2 * CONTEXT + 1)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for ep in range(args.epochs):
        loss = train_epoch(model, tr, opt, dev)
        fer = frame_error_rate(model, dv, dev)
        logger.info("epoch %d nll %.4f FER %.3f", ep, loss, fer)
    torch.save(model.state_dict(), "frame_mlp.pt")


if __name__ == "__main__":
    main()
