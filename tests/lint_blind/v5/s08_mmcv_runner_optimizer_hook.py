# expect: TVL003
# style: mmcv/mmdetection-style EpochBasedRunner with hooks, written by hand (detection head on toy features)
# bug: OptimizerHook.after_train_iter does backward() then step() and nothing in the runner or hooks ever zeroes the gradients
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Hook:
    def before_train_epoch(self, runner): pass
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass


class OptimizerHook(Hook):
    def __init__(self, grad_clip=None):
        self.grad_clip = grad_clip

    def after_train_iter(self, runner):
        runner.outputs["loss"].backward()
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(runner.model.parameters(), **self.grad_clip)
        runner.optimizer.step()


class TextLoggerHook(Hook):
    def __init__(self, interval=20):
        self.interval = interval

    def after_train_iter(self, runner):
        if runner.iter % self.interval == 0:
            logs = ", ".join(f"{k}: {v.item():.4f}" for k, v in runner.outputs["log_vars"].items())
            print(f"Epoch [{runner.epoch}][{runner.iter}] {logs}")


class EpochBasedRunner:
    def __init__(self, model, optimizer, max_epochs):
        self.model, self.optimizer, self.max_epochs = model, optimizer, max_epochs
        self.hooks, self.epoch, self.iter = [], 0, 0

    def register_hook(self, hook):
        self.hooks.append(hook)

    def call_hook(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train(self, data_loader):
        self.model.train()
        self.call_hook("before_train_epoch")
        for data_batch in data_loader:
            self.outputs = self.model.train_step(data_batch)
            self.call_hook("after_train_iter")
            self.iter += 1
        self.call_hook("after_train_epoch")
        self.epoch += 1

    def run(self, data_loader):
        while self.epoch < self.max_epochs:
            self.train(data_loader)


class ToyDetHead(nn.Module):
    def __init__(self, in_ch=256, num_classes=20):
        super().__init__()
        self.cls_conv = nn.Conv2d(in_ch, num_classes, 3, padding=1)
        self.reg_conv = nn.Conv2d(in_ch, 4, 3, padding=1)

    def train_step(self, data_batch):
        feats, cls_t, box_t = data_batch
        loss_cls = F.cross_entropy(self.cls_conv(feats), cls_t)
        loss_bbox = F.l1_loss(self.reg_conv(feats), box_t)
        loss = loss_cls + loss_bbox
        return dict(loss=loss, log_vars=dict(loss_cls=loss_cls.detach(), loss_bbox=loss_bbox.detach()))


if __name__ == "__main__":
    cfg = dict(optimizer=dict(lr=0.01, momentum=0.9, weight_decay=1e-4),
               optimizer_config=dict(grad_clip=dict(max_norm=35, norm_type=2)), total_epochs=12)
    data = TensorDataset(torch.randn(512, 256, 16, 16), torch.randint(0, 20, (512, 16, 16)),
                         torch.rand(512, 4, 16, 16))
    loader = DataLoader(data, batch_size=8, shuffle=True, num_workers=2)
    model = ToyDetHead()
    optimizer = torch.optim.SGD(model.parameters(), **cfg["optimizer"])
    runner = EpochBasedRunner(model, optimizer, cfg["total_epochs"])
    runner.register_hook(OptimizerHook(**cfg["optimizer_config"]))
    runner.register_hook(TextLoggerHook())
    runner.run(loader)
