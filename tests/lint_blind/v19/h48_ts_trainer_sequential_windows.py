# expect: TVL015
# style: Trainer class for a multivariate time-series classifier (human-activity recognition); loaders built in Trainer.__init__
# bug: `HARTrainer._loader("train")` builds the training DataLoader without shuffle or sampler, so batches are consecutive overlapping windows from the same subject/activity
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("har")
ACTIVITIES = ["walk", "upstairs", "downstairs", "sit", "stand", "lie"]


class SlidingWindows(Dataset):
    def __init__(self, signal, labels, win=128, hop=64):
        self.signal, self.labels = signal, labels
        self.starts = np.arange(0, len(signal) - win, hop)
        self.win = win

    def __len__(self):
        return len(self.starts)

    def __getitem__(self, i):
        s = self.starts[i]
        x = self.signal[s:s + self.win].T
        y = np.bincount(self.labels[s:s + self.win], minlength=len(ACTIVITIES)).argmax()
        return torch.from_numpy(x.astype(np.float32)), int(y)


def record_subjects(n_subjects, seconds_per_act=120, hz=50, seed=0):
    rng = np.random.default_rng(seed)
    sigs, labs = [], []
    for _ in range(n_subjects):
        for a in range(len(ACTIVITIES)):
            n = seconds_per_act * hz
            t = np.arange(n) / hz
            base = np.sin(2 * np.pi * (0.5 + 0.4 * a) * t)[:, None]
            sigs.append(base * rng.uniform(0.5, 1.5, 9) + 0.3 * rng.normal(size=(n, 9)))
            labs.append(np.full(n, a))
    return np.concatenate(sigs), np.concatenate(labs)


class InceptionLite(nn.Module):
    def __init__(self, c_in=9, n_cls=6, w=32):
        super().__init__()
        self.branches = nn.ModuleList([nn.Conv1d(c_in, w, k, padding=k // 2) for k in (3, 9, 19)])
        self.bn = nn.BatchNorm1d(3 * w)
        self.conv = nn.Conv1d(3 * w, 2 * w, 5, padding=2)
        self.bn2 = nn.BatchNorm1d(2 * w)
        self.fc = nn.Linear(2 * w, n_cls)

    def forward(self, x):
        h = F.relu(self.bn(torch.cat([b(x) for b in self.branches], 1)))
        h = F.relu(self.bn2(self.conv(h)))
        return self.fc(h.mean(-1))


class HARTrainer:
    def __init__(self, args, device):
        self.args = args
        self.device = device
        tr_sig, tr_lab = record_subjects(20)
        te_sig, te_lab = record_subjects(5, seed=1)
        mu, sd = tr_sig.mean(0), tr_sig.std(0)
        self.datasets = {
            "train": SlidingWindows((tr_sig - mu) / sd, tr_lab),
            "test": SlidingWindows((te_sig - mu) / sd, te_lab, hop=128),
        }
        self.model = InceptionLite().to(device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=args.lr, weight_decay=1e-3)
        self.sched = torch.optim.lr_scheduler.ExponentialLR(self.opt, gamma=0.95)

    def _loader(self, split):
        bs = self.args.bs if split == "train" else 512
        return DataLoader(self.datasets[split], batch_size=bs, num_workers=2, pin_memory=True)

    def train_epoch(self, loader):
        self.model.train()
        tot, correct, n = 0.0, 0, 0
        for x, y in loader:
            x, y = x.to(self.device), y.to(self.device)
            logits = self.model(x)
            loss = F.cross_entropy(logits, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item() * y.size(0)
            correct += (logits.argmax(1) == y).sum().item()
            n += y.size(0)
        self.sched.step()
        return tot / n, correct / n

    @torch.no_grad()
    def test(self, loader):
        self.model.eval()
        conf = torch.zeros(len(ACTIVITIES), len(ACTIVITIES), dtype=torch.long)
        for x, y in loader:
            p = self.model(x.to(self.device)).argmax(1).cpu()
            for t, q in zip(y, p):
                conf[t, q] += 1
        self.model.train()
        return conf.diag().sum().item() / conf.sum().item(), conf

    def run(self):
        train_dl, test_dl = self._loader("train"), self._loader("test")
        for epoch in range(self.args.epochs):
            loss, acc = self.train_epoch(train_dl)
            test_acc, conf = self.test(test_dl)
            logger.info("epoch %d loss %.4f train acc %.4f test acc %.4f", epoch, loss, acc, test_acc)
        logger.info("confusion:\n%s", conf)
        os.makedirs(self.args.out, exist_ok=True)
        torch.save(self.model.state_dict(), os.path.join(self.args.out, "har.pt"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="har_out")
    logging.basicConfig(level=logging.INFO)
    HARTrainer(ap.parse_args(), torch.device("cuda" if torch.cuda.is_available() else "cpu")).run()
