# expect: TVL007
# style: config-dict factory + Trainer, speech emotion recognition on log-mel frames
# bug: build_scheduler() sets CosineAnnealingLR T_max to the number of epochs, but Trainer.train_step() steps it after every batch, so the LR cycles many times per epoch
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ser")

cfg = {
    "model": {"n_mels": 80, "hidden": 128, "n_classes": 6},
    "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4},
    "scheduler": {"type": "cosine", "eta_min": 1e-4},
    "epochs": 40,
    "batch_size": 32,
}


class EmotionDataset(Dataset):
    def __init__(self, n, n_mels, seed):
        g = torch.Generator().manual_seed(seed)
        self.lengths = torch.randint(150, 400, (n,), generator=g)
        self.feats = [torch.randn(int(l), n_mels, generator=g) for l in self.lengths]
        self.labels = torch.randint(0, 6, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.feats[i], self.labels[i]


def pad_collate(batch):
    feats, labels = zip(*batch)
    lengths = torch.tensor([f.size(0) for f in feats])
    padded = nn.utils.rnn.pad_sequence(feats, batch_first=True)
    return padded, lengths, torch.stack(labels)


class AttnPoolLSTM(nn.Module):
    def __init__(self, n_mels, hidden, n_classes):
        super().__init__()
        self.lstm = nn.LSTM(n_mels, hidden, batch_first=True, bidirectional=True)
        self.att = nn.Linear(2 * hidden, 1)
        self.fc = nn.Linear(2 * hidden, n_classes)

    def forward(self, x, lengths):
        h, _ = self.lstm(x)
        mask = torch.arange(x.size(1))[None, :] < lengths[:, None]
        w = self.att(h).squeeze(-1).masked_fill(~mask, float("-inf")).softmax(-1)
        return self.fc((w.unsqueeze(-1) * h).sum(1))


def build_optimizer(model, c):
    if c["type"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=c["lr"], momentum=c["momentum"], weight_decay=c["weight_decay"])
    return torch.optim.Adam(model.parameters(), lr=c["lr"])


def build_scheduler(optimizer, c, epochs):
    if c["type"] == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=c["eta_min"])
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.1)


class Trainer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.model = AttnPoolLSTM(**cfg["model"])
        self.optimizer = build_optimizer(self.model, cfg["optimizer"])
        self.scheduler = build_scheduler(self.optimizer, cfg["scheduler"], cfg["epochs"])
        self.train_loader = DataLoader(EmotionDataset(1200, 80, 0), batch_size=cfg["batch_size"],
                                       shuffle=True, collate_fn=pad_collate)
        self.val_loader = DataLoader(EmotionDataset(200, 80, 1), batch_size=64, collate_fn=pad_collate)

    def train_step(self, batch):
        x, lengths, y = batch
        loss = F.cross_entropy(self.model(x, lengths), y)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
        self.optimizer.step()
        self.scheduler.step()
        return loss.item()

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        correct = total = 0
        for x, lengths, y in self.val_loader:
            correct += (self.model(x, lengths).argmax(1) == y).sum().item()
            total += len(y)
        self.model.train()
        return correct / total

    def fit(self):
        for epoch in range(self.cfg["epochs"]):
            self.model.train()
            losses = [self.train_step(b) for b in self.train_loader]
            ua = self.validate()
            log.info("epoch %d loss %.4f acc %.4f lr %.5f", epoch, sum(losses) / len(losses), ua,
                     self.optimizer.param_groups[0]["lr"])
            if math.isnan(losses[-1]):
                break


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    Trainer(cfg).fit()
