# expect: TVL004
# style: detectron2-like engine with hooks, semantic segmentation on synthetic masks
# bug: EvalHook.after_epoch puts the model in eval() and never restores it, and the engine only calls model.train() in before_train, so later epochs train in eval mode.
import torch
import torch.nn as nn
import torch.nn.functional as F


class HookBase:
    def before_train(self): pass
    def after_step(self): pass
    def after_epoch(self): pass


class SimpleEngine:
    def __init__(self, model, optimizer, data_fn, iters_per_epoch, max_epochs):
        self.model = model
        self.optimizer = optimizer
        self.data_fn = data_fn
        self.iters_per_epoch = iters_per_epoch
        self.max_epochs = max_epochs
        self.hooks = []
        self.iter = 0
        self.epoch = 0

    def register_hooks(self, hooks):
        for h in hooks:
            h.trainer = self
        self.hooks.extend(hooks)

    def before_train(self):
        self.model.train()
        for h in self.hooks:
            h.before_train()

    def run_step(self):
        images, masks = self.data_fn()
        logits = self.model(images)
        loss = F.cross_entropy(logits, masks, ignore_index=255)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.storage = {"loss": loss.item()}

    def train(self):
        self.before_train()
        for self.epoch in range(self.max_epochs):
            for _ in range(self.iters_per_epoch):
                self.run_step()
                self.iter += 1
                for h in self.hooks:
                    h.after_step()
            for h in self.hooks:
                h.after_epoch()


class PeriodicPrinter(HookBase):
    def after_step(self):
        if self.trainer.iter % 50 == 0:
            print("iter", self.trainer.iter, self.trainer.storage)


class EvalHook(HookBase):
    def __init__(self, eval_fn):
        self.eval_fn = eval_fn

    def after_epoch(self):
        self.trainer.model.eval()
        with torch.no_grad():
            miou = self.eval_fn(self.trainer.model)
        print(f"epoch {self.trainer.epoch}: mIoU={miou:.3f}")


def build_model(num_classes=5):
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Dropout2d(0.1), nn.Conv2d(32, num_classes, 1),
    )


def synthetic_batch(bs=8, n_cls=5):
    return torch.randn(bs, 3, 64, 64), torch.randint(0, n_cls, (bs, 64, 64))


def mean_iou(model, n_cls=5, n_batches=4):
    inter = torch.zeros(n_cls); union = torch.zeros(n_cls)
    for _ in range(n_batches):
        img, gt = synthetic_batch()
        pred = model(img).argmax(1)
        for c in range(n_cls):
            inter[c] += ((pred == c) & (gt == c)).sum()
            union[c] += ((pred == c) | (gt == c)).sum()
    return (inter / union.clamp(min=1)).mean().item()


if __name__ == "__main__":
    model = build_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    engine = SimpleEngine(model, opt, synthetic_batch, iters_per_epoch=100, max_epochs=6)
    engine.register_hooks([PeriodicPrinter(), EvalHook(mean_iou)])
    engine.train()
