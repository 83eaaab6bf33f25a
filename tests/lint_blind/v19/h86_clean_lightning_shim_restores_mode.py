# expect: clean
# style: hand-written Lightning-like LitModule + Fit loop for an audio genre classifier, with on_validation_* hooks
# note: the validation hook sets eval() inside the epoch loop (TVL004 look-alike), but the mini-trainer calls module.train() at the start of every training epoch and `on_validation_end` also restores train mode
import logging
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("genre")
GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


class LitModule(nn.Module):
    def on_validation_start(self):
        self.eval()

    def on_validation_end(self):
        self.train()


class GenreCRNN(LitModule):
    def __init__(self, n_mels=96, n_cls=len(GENRES), lr=1e-3):
        super().__init__()
        self.lr = lr
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ELU(), nn.MaxPool2d((2, 2)),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ELU(), nn.MaxPool2d((3, 3)),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ELU(), nn.MaxPool2d((4, 4)),
        )
        self.gru = nn.GRU(64 * (n_mels // 24), 64, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(128, n_cls)

    def forward(self, x):
        h = self.conv(x)                      # (B, C, F, T)
        b, c, f, t = h.shape
        h = h.permute(0, 3, 1, 2).reshape(b, t, c * f)
        out, _ = self.gru(h)
        return self.fc(self.drop(out.mean(1)))

    def training_step(self, batch):
        x, y = batch
        return F.cross_entropy(self(x), y)

    def validation_step(self, batch):
        x, y = batch
        logits = self(x)
        return F.cross_entropy(logits, y, reduction="sum").item(), (logits.argmax(1) == y).sum().item(), y.numel()

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        return opt, torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)


class EarlyStop:
    def __init__(self, patience=5):
        self.patience = patience
        self.best = math.inf
        self.wait = 0

    def __call__(self, val_loss):
        if val_loss < self.best - 1e-4:
            self.best, self.wait = val_loss, 0
            return False
        self.wait += 1
        return self.wait > self.patience


class Fit:
    def __init__(self, max_epochs=30, clip=1.0):
        self.max_epochs = max_epochs
        self.clip = clip

    def run(self, module, train_dl, val_dl):
        opt, sched = module.configure_optimizers()
        stopper = EarlyStop(patience=6)
        for epoch in range(self.max_epochs):
            module.train()
            losses = []
            for batch in train_dl:
                loss = module.training_step(batch)
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(module.parameters(), self.clip)
                opt.step()
                losses.append(loss.item())
            sched.step()
            module.on_validation_start()
            tot_loss = tot_correct = tot_n = 0
            with torch.no_grad():
                for batch in val_dl:
                    l, c, n = module.validation_step(batch)
                    tot_loss += l
                    tot_correct += c
                    tot_n += n
            module.on_validation_end()
            logger.info("epoch %d train %.4f val loss %.4f acc %.4f lr %.2e", epoch, np.mean(losses), tot_loss / tot_n,
                        tot_correct / tot_n, sched.get_last_lr()[0])
            if stopper(tot_loss / tot_n):
                logger.info("early stop at epoch %d (best val loss %.4f)", epoch, stopper.best)
                break


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    x = torch.randn(2400, 1, 96, 288)
    y = torch.randint(0, len(GENRES), (2400,))
    train_dl = DataLoader(TensorDataset(x[:2000], y[:2000]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[2000:], y[2000:]), batch_size=64)
    model = GenreCRNN()
    Fit(max_epochs=30).run(model, train_dl, val_dl)
    torch.save(model.state_dict(), "genre_crnn.pt")
