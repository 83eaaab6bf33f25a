# expect: clean
# style: Trainer with a build_loaders() factory, audio event classification
# note: the validation loader is built with shuffle=True, which looks like TVL017, but validation only accumulates order-free counts (correct/total, per-class confusion matrix) from the (x, y) pairs the loader itself yields.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("esc")
N_CLASSES = 50


def build_loaders(bs=32):
    xtr, ytr = torch.randn(4000, 1, 64, 216), torch.randint(0, N_CLASSES, (4000,))
    xva, yva = torch.randn(800, 1, 64, 216), torch.randint(0, N_CLASSES, (800,))
    train = DataLoader(TensorDataset(xtr, ytr), batch_size=bs, shuffle=True, num_workers=2, drop_last=True)
    # shuffled so that the per-batch BN sanity check in debug mode sees mixed classes
    val = DataLoader(TensorDataset(xva, yva), batch_size=bs * 4, shuffle=True, num_workers=2)
    return train, val


class ESCNet(nn.Module):
    def __init__(self):
        super().__init__()
        ch = [1, 32, 64, 128, 256]
        self.body = nn.Sequential(*[nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(),
                                                  nn.MaxPool2d(2)) for a, b in zip(ch[:-1], ch[1:])])
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(256, N_CLASSES)

    def forward(self, x):
        return self.fc(self.drop(self.body(x).mean((2, 3))))


def topk_accuracy(logits, y, ks=(1, 5)):
    top = logits.topk(max(ks), dim=1).indices
    hit = top.eq(y[:, None])
    return {f"top{k}": hit[:, :k].any(1).float().sum().item() for k in ks}


class Trainer:
    def __init__(self, model, lr=1e-3, epochs=30):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=epochs)
        self.epochs = epochs

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for x, y in loader:
            loss = F.cross_entropy(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item()
        self.sched.step()
        return tot / len(loader)

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        conf = torch.zeros(N_CLASSES, N_CLASSES, dtype=torch.long)
        for x, y in loader:
            pred = self.model(x).argmax(1)
            conf.index_put_((y, pred), torch.ones_like(y), accumulate=True)
        acc = conf.diag().sum().item() / conf.sum().item()
        per_class = (conf.diag().float() / conf.sum(1).clamp(min=1).float()).mean().item()
        return acc, per_class

    def fit(self, train_dl, val_dl):
        for epoch in range(self.epochs):
            loss = self.train_epoch(train_dl)
            acc, bal = self.validate(val_dl)
            log.info("epoch %d loss %.4f acc %.4f balanced %.4f", epoch, loss, acc, bal)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    tr, va = build_loaders()
    Trainer(ESCNet()).fit(tr, va)
