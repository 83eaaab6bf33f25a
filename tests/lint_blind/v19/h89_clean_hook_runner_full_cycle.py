# expect: clean
# style: mmcv-like hook runner for a text-CNN spam filter; optimizer/eval/checkpoint/LR hooks with priorities
# note: backward/step live in an OptimizerHook and eval in an EvalHook (TVL003/TVL004/TVL007 look-alikes), but the optimizer hook zeroes gradients before backward, the eval hook restores train mode, and the LR hook steps a per-epoch scheduler in after_train_epoch
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("spam")


class Hook:
    priority = 50

    def before_train_epoch(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass


class OptimizerHook(Hook):
    priority = 10

    def __init__(self, max_norm=None):
        self.max_norm = max_norm

    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        runner.outputs["loss"].backward()
        if self.max_norm:
            nn.utils.clip_grad_norm_(runner.model.parameters(), self.max_norm)
        runner.optimizer.step()


class StepLrHook(Hook):
    priority = 20

    def __init__(self, step_size, gamma):
        self.step_size, self.gamma = step_size, gamma
        self.sched = None

    def before_train_epoch(self, runner):
        if self.sched is None:
            self.sched = torch.optim.lr_scheduler.StepLR(runner.optimizer, self.step_size, self.gamma)

    def after_train_epoch(self, runner):
        self.sched.step()


class EvalHook(Hook):
    priority = 60

    def __init__(self, loader):
        self.loader = loader

    def after_train_epoch(self, runner):
        runner.model.eval()
        tp = fp = fn = correct = n = 0
        with torch.no_grad():
            for x, y in self.loader:
                p = runner.model(x).argmax(1)
                tp += ((p == 1) & (y == 1)).sum().item()
                fp += ((p == 1) & (y == 0)).sum().item()
                fn += ((p == 0) & (y == 1)).sum().item()
                correct += (p == y).sum().item()
                n += y.numel()
        runner.model.train()
        runner.metrics = {"acc": correct / n, "precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn)}
        logger.info("epoch %d eval %s", runner.epoch, runner.metrics)


class CheckpointHook(Hook):
    priority = 70

    def __init__(self, out_dir):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)

    def after_train_epoch(self, runner):
        torch.save({"model": runner.model.state_dict(), "epoch": runner.epoch},
                   os.path.join(self.out_dir, f"epoch_{runner.epoch}.pth"))


class Runner:
    def __init__(self, model, optimizer, loader, max_epochs):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.max_epochs = max_epochs
        self.hooks, self.outputs, self.metrics = [], {}, {}
        self.epoch = self.iter = 0

    def register(self, *hooks):
        self.hooks.extend(hooks)
        self.hooks.sort(key=lambda h: h.priority)

    def call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def run(self):
        for self.epoch in range(self.max_epochs):
            self.model.train()
            self.call("before_train_epoch")
            for x, y in self.loader:
                logits = self.model(x)
                self.outputs = {"loss": F.cross_entropy(logits, y)}
                self.call("after_train_iter")
                self.iter += 1
                if self.iter % 100 == 0:
                    logger.info("iter %d loss %.4f lr %.2e", self.iter, self.outputs["loss"].item(),
                                self.optimizer.param_groups[0]["lr"])
            self.call("after_train_epoch")


class TextCNN(nn.Module):
    def __init__(self, vocab=15000, d=128, n_cls=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(d, 100, k) for k in (2, 3, 4)])
        self.fc = nn.Linear(300, n_cls)

    def forward(self, x):
        e = self.emb(x).transpose(1, 2)
        return self.fc(torch.cat([F.relu(c(e)).max(-1).values for c in self.convs], 1))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    x = torch.randint(1, 15000, (22000, 50))
    y = (x[:, :5] < 2000).any(1).long()
    train_dl = DataLoader(TensorDataset(x[:20000], y[:20000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[20000:], y[20000:]), batch_size=512)
    model = TextCNN()
    runner = Runner(model, torch.optim.Adam(model.parameters(), lr=1e-3), train_dl, max_epochs=12)
    runner.register(OptimizerHook(max_norm=5.0), StepLrHook(4, 0.5), EvalHook(val_dl), CheckpointHook("spam_ckpt"))
    runner.run()
