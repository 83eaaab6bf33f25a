# expect: clean
# style: multi-label image tagging Trainer; model.predict_proba applies sigmoid, training uses raw logits with BCEWithLogitsLoss
# note: sigmoid appears right next to BCEWithLogitsLoss, but only in predict_proba() used for metrics; the loss gets the raw logits from model(x)
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tags")


class Tagger(nn.Module):
    def __init__(self, n_tags=80):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.classifier = nn.Linear(128, n_tags)

    def forward(self, x):
        return self.classifier(self.body(x))

    @torch.no_grad()
    def predict_proba(self, x):
        return torch.sigmoid(self(x))


def f1_at(probs, targets, thr=0.5):
    pred = probs > thr
    tp = (pred & (targets > 0)).sum().item()
    fp = (pred & (targets == 0)).sum().item()
    fn = (~pred & (targets > 0)).sum().item()
    return 2 * tp / max(2 * tp + fp + fn, 1)


class Trainer:
    def __init__(self, model, lr, pos_weight):
        self.model = model
        self.crit = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for x, y in loader:
            logits = self.model(x)
            loss = self.crit(logits, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item()
        return tot / len(loader)

    def evaluate(self, loader):
        self.model.eval()
        probs, tg = [], []
        for x, y in loader:
            probs.append(self.model.predict_proba(x))
            tg.append(y)
        self.model.train()
        probs, tg = torch.cat(probs), torch.cat(tg)
        return {thr: f1_at(probs, tg, thr) for thr in (0.3, 0.5, 0.7)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    y_tr = (torch.rand(4000, 80) < 0.05).float()
    tr = DataLoader(TensorDataset(torch.randn(4000, 3, 64, 64), y_tr), batch_size=64, shuffle=True)
    va = DataLoader(TensorDataset(torch.randn(800, 3, 64, 64), (torch.rand(800, 80) < 0.05).float()), batch_size=128)
    pos_weight = ((1 - y_tr).sum(0) / y_tr.sum(0).clamp(min=1)).clamp(max=50)
    trainer = Trainer(Tagger(), args.lr, pos_weight)
    for ep in range(args.epochs):
        loss = trainer.train_epoch(tr)
        log.info("epoch %d loss %.4f F1@thr %s", ep, loss, trainer.evaluate(va))
    torch.save(trainer.model.state_dict(), "tagger.pt")
