# expect: clean
# style: research repo with separate train_one_epoch/validate functions, speaker verification embedding model
# note: validate() leaves the model in eval mode, but train_one_epoch() calls model.train() at its start every epoch, so dropout/BN are active during training
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("spk")


class XVector(nn.Module):
    def __init__(self, n_mels=40, emb=192, n_spk=200):
        super().__init__()
        self.tdnn = nn.Sequential(
            nn.Conv1d(n_mels, 256, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(256),
            nn.Conv1d(256, 256, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(256),
            nn.Conv1d(256, 512, 1), nn.ReLU(), nn.BatchNorm1d(512))
        self.embed = nn.Sequential(nn.Linear(1024, emb), nn.Dropout(0.2))
        self.classifier = nn.Linear(emb, n_spk)

    def embedding(self, x):
        h = self.tdnn(x.transpose(1, 2))
        stats = torch.cat([h.mean(-1), h.std(-1)], dim=1)
        return self.embed(stats)

    def forward(self, x):
        return self.classifier(self.embedding(x))


def train_one_epoch(model, loader, opt, epoch):
    model.train()
    tot = 0.0
    for feats, spk in loader:
        loss = F.cross_entropy(model(feats), spk)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item()
    log.info("epoch %d train loss %.4f", epoch, tot / len(loader))


def validate(model, trials):
    model.eval()
    with torch.no_grad():
        a = F.normalize(model.embedding(trials["a"]), dim=-1)
        b = F.normalize(model.embedding(trials["b"]), dim=-1)
    scores = (a * b).sum(-1)
    labels = trials["same"]
    thr = scores.median()
    acc = ((scores > thr).float() == labels).float().mean().item()
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    feats = torch.randn(8000, 150, 40)
    spk = torch.randint(0, 200, (8000,))
    loader = DataLoader(TensorDataset(feats, spk), batch_size=64, shuffle=True, drop_last=True)
    trials = {"a": torch.randn(500, 150, 40), "b": torch.randn(500, 150, 40), "same": (torch.rand(500) < 0.5).float()}
    model = XVector()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=2e-5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=8, gamma=0.5)
    best = 0.0
    for epoch in range(args.epochs):
        train_one_epoch(model, loader, opt, epoch)
        sched.step()
        acc = validate(model, trials)
        log.info("epoch %d trial acc %.4f", epoch, acc)
        if acc > best:
            best = acc
            torch.save(model.state_dict(), "xvector_best.pt")


if __name__ == "__main__":
    main()
