# expect: TVL003
# style: mmengine / mmdetection OptimWrapper-style runner (update_params helper on a wrapper class)
# bug: OptimWrapper.update_params() runs backward()+step() and its zero_grad() call was deleted; nothing else clears grads
import argparse

import torch
import torch.nn as nn


class OptimWrapper:
    def __init__(self, optimizer, clip_grad=None):
        self.optimizer = optimizer
        self.clip_grad = clip_grad

    def backward(self, loss):
        loss.backward()

    def step(self, params):
        if self.clip_grad is not None:
            nn.utils.clip_grad_norm_(params, **self.clip_grad)
        self.optimizer.step()

    def update_params(self, loss, params):
        self.backward(loss)
        self.step(params)


class ToyDetector(nn.Module):
    def __init__(self, num_classes=20):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.cls_head = nn.Conv2d(64, num_classes, 1)
        self.reg_head = nn.Conv2d(64, 4, 1)

    def loss(self, inputs, gt_cls, gt_box):
        feat = self.backbone(inputs)
        cls_score, bbox_pred = self.cls_head(feat), self.reg_head(feat)
        loss_cls = nn.functional.cross_entropy(cls_score, gt_cls)
        loss_bbox = nn.functional.smooth_l1_loss(bbox_pred, gt_box)
        return {"loss_cls": loss_cls, "loss_bbox": loss_bbox}


class EpochBasedTrainLoop:
    def __init__(self, model, optim_wrapper, max_epochs, iters_per_epoch):
        self.model = model
        self.optim_wrapper = optim_wrapper
        self.max_epochs = max_epochs
        self.iters_per_epoch = iters_per_epoch

    def run_iter(self, idx):
        inputs = torch.randn(4, 3, 64, 64)
        gt_cls = torch.randint(0, 20, (4, 16, 16))
        gt_box = torch.randn(4, 4, 16, 16)
        losses = self.model.loss(inputs, gt_cls, gt_box)
        loss = sum(losses.values())
        self.optim_wrapper.update_params(loss, self.model.parameters())
        return {k: v.item() for k, v in losses.items()}

    def run(self):
        for epoch in range(self.max_epochs):
            self.model.train()
            for idx in range(self.iters_per_epoch):
                log_vars = self.run_iter(idx)
                if idx % 50 == 0:
                    print(f"Epoch(train) [{epoch + 1}][{idx}/{self.iters_per_epoch}]", log_vars)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Train a detector")
    parser.add_argument("--max-epochs", type=int, default=12)
    parser.add_argument("--lr", type=float, default=0.02)
    args = parser.parse_args()
    model = ToyDetector()
    optim = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    loop = EpochBasedTrainLoop(model, OptimWrapper(optim, clip_grad=dict(max_norm=35, norm_type=2)),
                               args.max_epochs, iters_per_epoch=200)
    loop.run()
