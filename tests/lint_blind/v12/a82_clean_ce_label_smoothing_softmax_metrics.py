# expect: clean
# style: speaker identification with x-vector-like TDNN, config dataclass, softmax used for calibration metrics under no_grad
# note: F.softmax is computed on the logits inside the training step, but only for a detached confidence metric; CrossEntropyLoss receives the raw logits
import argparse
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("xvector")


@dataclass
class Cfg:
    n_mfcc: int = 30
    n_speakers: int = 250
    emb: int = 256
    lr: float = 1e-3
    epochs: int = 20
    bs: int = 64
    smoothing: float = 0.1


class TDNN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.frame = nn.Sequential(
            nn.Conv1d(cfg.n_mfcc, 512, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(512),
            nn.Conv1d(512, 512, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(512),
            nn.Conv1d(512, 512, 3, dilation=3), nn.ReLU(), nn.BatchNorm1d(512),
            nn.Conv1d(512, 1500, 1), nn.ReLU(), nn.BatchNorm1d(1500),
        )
        self.segment = nn.Linear(3000, cfg.emb)
        self.out = nn.Linear(cfg.emb, cfg.n_speakers)

    def forward(self, x):
        h = self.frame(x)
        stats = torch.cat([h.mean(-1), h.std(-1)], dim=-1)
        return self.out(F.relu(self.segment(stats)))


def train(cfg):
    model = TDNN(cfg)
    crit = nn.CrossEntropyLoss(label_smoothing=cfg.smoothing)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    tr = DataLoader(TensorDataset(torch.randn(5000, cfg.n_mfcc, 200), torch.randint(0, cfg.n_speakers, (5000,))),
                    batch_size=cfg.bs, shuffle=True, drop_last=True)
    for epoch in range(cfg.epochs):
        model.train()
        loss_sum = conf_sum = acc_sum = 0.0
        for feats, spk in tr:
            logits = model(feats)
            loss = crit(logits, spk)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                probs = F.softmax(logits, dim=-1)
                conf, pred = probs.max(-1)
                conf_sum += conf.mean().item()
                acc_sum += (pred == spk).float().mean().item()
            loss_sum += loss.item()
        sched.step()
        n = len(tr)
        log.info("epoch %d loss %.4f acc %.4f mean-conf %.4f (gap %.4f) lr %.2e", epoch, loss_sum / n, acc_sum / n,
                 conf_sum / n, conf_sum / n - acc_sum / n, sched.get_last_lr()[0])
    return model


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=Cfg.epochs)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    cfg = Cfg(epochs=args.epochs)
    model = train(cfg)
    torch.save(model.state_dict(), "xvector.pt")
