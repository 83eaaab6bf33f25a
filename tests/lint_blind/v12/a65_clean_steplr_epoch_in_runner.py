# expect: clean
# style: detectron2-ish runner with hooks, semantic keypoint heatmaps; LR schedule hook fires after_epoch
# note: a StepLR (step_size in epochs) is owned by a hook object and could look per-iteration, but it is stepped in after_epoch, once per epoch, after all optimizer steps
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("runner")


class HookBase:
    def before_train(self, runner): pass
    def after_iter(self, runner): pass
    def after_epoch(self, runner): pass


class LRStepHook(HookBase):
    def __init__(self, step_size, gamma):
        self.step_size, self.gamma = step_size, gamma

    def before_train(self, runner):
        self.sched = torch.optim.lr_scheduler.StepLR(runner.optimizer, self.step_size, self.gamma)

    def after_epoch(self, runner):
        self.sched.step()


class TimerHook(HookBase):
    def before_train(self, runner):
        self.t0 = time.time()

    def after_iter(self, runner):
        if runner.iter % 50 == 0:
            logger.info("iter %d loss %.5f lr %.2e (%.0fs)", runner.iter, runner.last_loss,
                        runner.optimizer.param_groups[0]["lr"], time.time() - self.t0)


class PoseNet(nn.Module):
    def __init__(self, n_joints=17):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),
        )
        self.dec = nn.Sequential(nn.ConvTranspose2d(256, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                 nn.Conv2d(128, n_joints, 1))

    def forward(self, x):
        return self.dec(self.enc(x))


class EpochRunner:
    def __init__(self, model, optimizer, loader, hooks):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.hooks = hooks
        self.iter = 0
        self.last_loss = float("nan")

    def _call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def run_iter(self, img, target, weight):
        pred = self.model(img)
        loss = (F.mse_loss(pred, target, reduction="none").mean((2, 3)) * weight).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.last_loss = loss.item()
        self.iter += 1

    def train(self, max_epochs):
        self._call("before_train")
        for epoch in range(max_epochs):
            self.model.train()
            for img, target, weight in self.loader:
                self.run_iter(img, target, weight)
                self._call("after_iter")
            self._call("after_epoch")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    imgs = torch.randn(1200, 3, 128, 96)
    heat = torch.rand(1200, 17, 32, 24)
    vis = (torch.rand(1200, 17) > 0.2).float()
    loader = DataLoader(TensorDataset(imgs, heat, vis), batch_size=32, shuffle=True, num_workers=2)
    model = PoseNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    runner = EpochRunner(model, opt, loader, [LRStepHook(step_size=90, gamma=0.1), TimerHook()])
    runner.train(max_epochs=140)
    torch.save(model.state_dict(), "pose_final.pth")
