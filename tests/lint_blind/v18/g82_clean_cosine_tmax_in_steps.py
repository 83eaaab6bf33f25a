# expect: clean
# style: Lightning-like configure_optimizers with per-step CosineAnnealingLR sized in iterations (audio tagging)
# note: a CosineAnnealingLR is stepped every batch, which looks like TVL007, but its T_max is epochs * steps_per_epoch (total iterations), so per-step stepping is correct; it is stepped after optimizer.step().
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tagging")


class AudioTagger(nn.Module):
    def __init__(self, n_mels=64, n_tags=20):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        )
        self.fc = nn.Linear(128, n_tags)

    def forward(self, x):
        h = self.cnn(x).mean(2)           # pool over frequency
        return self.fc(h.max(-1).values)  # max over time


class LitTagger:
    def __init__(self, lr, epochs, steps_per_epoch):
        self.model = AudioTagger()
        self.lr, self.epochs, self.steps_per_epoch = lr, epochs, steps_per_epoch

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.lr, weight_decay=1e-2)
        total = self.epochs * self.steps_per_epoch
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=self.lr * 0.01)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def training_step(self, batch):
        x, y = batch
        return F.binary_cross_entropy_with_logits(self.model(x), y)


def fit(module, train_dl, val_dl, epochs):
    conf = module.configure_optimizers()
    opt, sched = conf["optimizer"], conf["lr_scheduler"]["scheduler"]
    per_step = conf["lr_scheduler"]["interval"] == "step"
    for epoch in range(epochs):
        module.model.train()
        tot = 0.0
        for batch in train_dl:
            loss = module.training_step(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if per_step:
                sched.step()
            tot += loss.item()
        if not per_step:
            sched.step()
        module.model.eval()
        tp = fp = fn = 0
        with torch.no_grad():
            for x, y in val_dl:
                p = (torch.sigmoid(module.model(x)) > 0.5).float()
                tp += (p * y).sum().item()
                fp += (p * (1 - y)).sum().item()
                fn += ((1 - p) * y).sum().item()
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        log.info("epoch %d loss %.4f micro_f1 %.4f lr %.2e", epoch, tot / len(train_dl), f1, opt.param_groups[0]["lr"])


def clips(n, seed, n_tags=20):
    g = torch.Generator().manual_seed(seed)
    y = (torch.rand(n, n_tags, generator=g) < 0.1).float()
    x = torch.randn(n, 1, 64, 100, generator=g) * 0.5
    for t in range(n_tags):
        x[:, 0, 3 * t:3 * t + 3, :] += y[:, t].view(-1, 1, 1) * 1.5
    return TensorDataset(x, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    epochs = 12
    train_dl = DataLoader(clips(3000, 0), batch_size=32, shuffle=True, drop_last=True)
    val_dl = DataLoader(clips(500, 1), batch_size=64)
    lit = LitTagger(lr=1e-3, epochs=epochs, steps_per_epoch=len(train_dl))
    fit(lit, train_dl, val_dl, epochs)
    torch.save(lit.model.state_dict(), f"tagger_{int(math.log10(len(train_dl.dataset)))}.pt")
