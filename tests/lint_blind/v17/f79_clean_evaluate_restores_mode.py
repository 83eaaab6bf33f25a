# expect: clean
# style: callback runner where validation switches to eval mode inside a context manager that restores the previous mode
# note: model.train() is only called once (on_fit_start) and validation calls model.eval() every epoch, which looks like the missing-train() bug, but the eval_mode() context manager restores the previous training flag on exit.
import contextlib
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("loop")


@contextlib.contextmanager
def eval_mode(module):
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield module
    finally:
        module.train(was_training)


class Callback:
    def on_fit_start(self, loop): ...
    def on_epoch_end(self, loop): ...


class TrainMode(Callback):
    def on_fit_start(self, loop):
        loop.model.train()


class Validation(Callback):
    def __init__(self, loader):
        self.loader, self.history = loader, []

    def on_epoch_end(self, loop):
        with eval_mode(loop.model) as m:
            hits = sum((m(x).argmax(-1) == y).sum().item() for x, y in self.loader)
        self.history.append(hits / len(self.loader.dataset))
        log.info("epoch %d val_acc %.4f (training=%s)", loop.epoch, self.history[-1], loop.model.training)


class Loop:
    def __init__(self, model, opt, callbacks):
        self.model, self.opt, self.callbacks = model, opt, callbacks
        self.epoch = 0

    def fire(self, name):
        for cb in self.callbacks:
            getattr(cb, name)(self)

    def fit(self, loader, epochs):
        self.fire("on_fit_start")
        for self.epoch in range(epochs):
            tot = 0.0
            for x, y in loader:
                self.opt.zero_grad()
                loss = F.cross_entropy(self.model(x), y)
                loss.backward()
                self.opt.step()
                tot += loss.item()
            log.info("epoch %d train_loss %.4f", self.epoch, tot / len(loader))
            self.fire("on_epoch_end")


class ActivityNet(nn.Module):
    """Human activity recognition from accelerometer windows."""

    def __init__(self, ch=3, n_cls=6):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(ch, 64, 7, padding=3), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3),
                                  nn.Conv1d(64, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3))
        self.lstm = nn.LSTM(64, 64, batch_first=True)
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        h, _ = self.lstm(self.conv(x).transpose(1, 2))
        return self.fc(h[:, -1])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    y = torch.randint(0, 6, (7000,))
    t = torch.linspace(0, 6.28, 128)
    x = torch.sin(t[None, None] * (1 + y[:, None, None].float())) + 0.5 * torch.randn(7000, 3, 128)
    train_dl = DataLoader(TensorDataset(x[:6000], y[:6000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[6000:], y[6000:]), batch_size=256)
    model = ActivityNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Loop(model, opt, [TrainMode(), Validation(val_dl)]).fit(train_dl, epochs=12)
    torch.save(model.state_dict(), "har.pt")
