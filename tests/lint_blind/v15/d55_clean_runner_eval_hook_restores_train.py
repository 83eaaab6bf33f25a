# expect: clean
# style: mmengine-like runner with hooks, music genre classification from mel spectrograms
# note: the EvalHook switches the model to eval() inside after_train_epoch, which looks like a missing train() — but the runner's own train loop calls model.train() at the start of every epoch (and the hook also restores the previous mode)
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("genre")
GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


class Hook:
    def before_train_epoch(self, runner): ...
    def after_train_iter(self, runner, outputs): ...
    def after_train_epoch(self, runner): ...


class EvalHook(Hook):
    def __init__(self, loader, interval=1):
        self.loader = loader
        self.interval = interval
        self.best = 0.0

    def after_train_epoch(self, runner):
        if (runner.epoch + 1) % self.interval:
            return
        was_training = runner.model.training
        runner.model.eval()
        hits, n = 0, 0
        with torch.no_grad():
            for x, y in self.loader:
                hits += (runner.model(x).argmax(1) == y).sum().item()
                n += len(y)
        acc = hits / n
        runner.message_hub["val/acc"].append(acc)
        if acc > self.best:
            self.best = acc
            torch.save(runner.model.state_dict(), "genre_best.pth")
        runner.model.train(was_training)
        logger.info("epoch %d val acc %.4f (best %.4f)", runner.epoch, acc, self.best)


class LoggerHook(Hook):
    def __init__(self, interval=25):
        self.interval = interval

    def after_train_iter(self, runner, outputs):
        if runner.iter % self.interval == 0:
            logger.info("epoch %d iter %d loss %.4f lr %.2e", runner.epoch, runner.iter,
                        outputs["loss"], runner.optimizer.param_groups[0]["lr"])


class ParamSchedulerHook(Hook):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_train_epoch(self, runner):
        self.scheduler.step()


class Runner:
    def __init__(self, model, optimizer, train_loader, max_epochs, hooks):
        self.model, self.optimizer = model, optimizer
        self.train_loader = train_loader
        self.max_epochs = max_epochs
        self.hooks = hooks
        self.epoch = self.iter = 0
        self.message_hub = defaultdict(list)

    def call_hook(self, name, **kw):
        for h in self.hooks:
            getattr(h, name)(self, **kw)

    def train_step(self, batch):
        x, y = batch
        loss = F.cross_entropy(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.item()}

    def train(self):
        for self.epoch in range(self.max_epochs):
            self.model.train()
            self.call_hook("before_train_epoch")
            for batch in self.train_loader:
                outputs = self.train_step(batch)
                self.iter += 1
                self.call_hook("after_train_iter", outputs=outputs)
            self.call_hook("after_train_epoch")


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, len(GENRES)),
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    mels = torch.randn(3000, 1, 64, 128)
    labels = torch.randint(0, len(GENRES), (3000,))
    train_dl = DataLoader(TensorDataset(mels[:2500], labels[:2500]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(mels[2500:], labels[2500:]), batch_size=64)
    model = build_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=30)
    Runner(model, opt, train_dl, 30, [LoggerHook(), EvalHook(val_dl), ParamSchedulerHook(sched)]).train()
