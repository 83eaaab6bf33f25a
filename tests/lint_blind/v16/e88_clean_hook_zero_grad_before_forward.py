# expect: clean
# style: mmcv-like hook runner where the OptimizerHook clears gradients in before_train_iter, point-cloud classification
# note: zero_grad lives in a hook far from the step, but the runner calls before_train_iter before the forward pass, so gradients are cleared once per iteration before backward and step
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("pointnet")


class Hook:
    def before_train_iter(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass


class OptimizerHook(Hook):
    def __init__(self, grad_clip=None):
        self.grad_clip = grad_clip

    def before_train_iter(self, runner):
        runner.optimizer.zero_grad()

    def after_train_iter(self, runner):
        runner.outputs["loss"].backward()
        if self.grad_clip:
            nn.utils.clip_grad_norm_(runner.model.parameters(), self.grad_clip)
        runner.optimizer.step()


class LrHook(Hook):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_train_epoch(self, runner):
        self.scheduler.step()


class LoggerHook(Hook):
    def after_train_iter(self, runner):
        if runner.iter % 20 == 0:
            logger.info("epoch %d iter %d loss %.4f", runner.epoch, runner.iter, runner.outputs["loss"].item())


class Runner:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.epoch = self.iter = 0
        self.outputs = {}

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train(self, loader):
        self.model.train()
        for pts, y in loader:
            self.call_hook("before_train_iter")
            self.outputs = {"loss": F.cross_entropy(self.model(pts), y)}
            self.call_hook("after_train_iter")
            self.iter += 1
        self.call_hook("after_train_epoch")
        self.epoch += 1


class PointNet(nn.Module):
    def __init__(self, n_classes=40):
        super().__init__()
        self.mlp = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                 nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                 nn.Conv1d(128, 512, 1), nn.BatchNorm1d(512), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4),
                                  nn.Linear(256, n_classes))

    def forward(self, pts):
        return self.head(self.mlp(pts.transpose(1, 2)).max(-1).values)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    pts, y = torch.randn(4000, 1024, 3), torch.randint(0, 40, (4000,))
    loader = DataLoader(TensorDataset(pts, y), batch_size=32, shuffle=True, drop_last=True)
    model = PointNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.7)
    runner = Runner(model, optimizer, [OptimizerHook(grad_clip=10.0), LrHook(scheduler), LoggerHook()])
    for _ in range(60):
        runner.train(loader)
    torch.save(model.state_dict(), "pointnet.pth")
