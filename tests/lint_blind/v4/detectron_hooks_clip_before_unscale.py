# expect: TVL016
# style: Detectron2-like SimpleTrainer/AMPTrainer with a GradientClipper built from config
# bug: AMPTrainer.run_step() calls self.grad_clipper(...) on the still-scaled gradients and only afterwards scaler.unscale_(), so the clip threshold is applied to scaled grads
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def build_gradient_clipper(cfg):
    max_norm = cfg["CLIP_VALUE"]
    def clip(params):
        torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=2.0)
    return clip if cfg["ENABLED"] else (lambda params: None)


class TinyRCNNHead(nn.Module):
    def __init__(self, in_dim=1024, n_cls=81):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(in_dim, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU())
        self.cls_score = nn.Linear(1024, n_cls)
        self.bbox_pred = nn.Linear(1024, 4 * (n_cls - 1))

    def forward(self, feats, gt_cls, gt_box):
        h = self.fc(feats)
        loss_cls = F.cross_entropy(self.cls_score(h), gt_cls)
        loss_box = F.smooth_l1_loss(self.bbox_pred(h)[:, :4], gt_box, beta=0.0)
        return {"loss_cls": loss_cls, "loss_box_reg": loss_box}


class AMPTrainer:
    def __init__(self, model, optimizer, grad_clipper):
        self.model, self.optimizer, self.grad_clipper = model, optimizer, grad_clipper
        self.grad_scaler = torch.amp.GradScaler("cuda", enabled=torch.cuda.is_available())
        self.iter = 0

    def data_step(self):
        return torch.randn(512, 1024), torch.randint(0, 81, (512,)), torch.randn(512, 4)

    def run_step(self):
        start = time.perf_counter()
        feats, gt_cls, gt_box = self.data_step()
        with torch.autocast("cuda", enabled=torch.cuda.is_available()):
            loss_dict = self.model(feats, gt_cls, gt_box)
            losses = sum(loss_dict.values())
        self.optimizer.zero_grad()
        self.grad_scaler.scale(losses).backward()
        self.grad_clipper(self.model.parameters())
        self.grad_scaler.unscale_(self.optimizer)
        self.grad_scaler.step(self.optimizer)
        self.grad_scaler.update()
        return {k: v.item() for k, v in loss_dict.items()}, time.perf_counter() - start

    def train(self, max_iter):
        self.model.train()
        for self.iter in range(max_iter):
            metrics, dt = self.run_step()
            if self.iter % 20 == 0:
                print(f"iter: {self.iter}  " + "  ".join(f"{k}: {v:.3f}" for k, v in metrics.items()) +
                      f"  time: {dt:.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-iter", type=int, default=200)
    args = ap.parse_args()
    cfg = {"SOLVER": {"BASE_LR": 0.02, "CLIP_GRADIENTS": {"ENABLED": True, "CLIP_VALUE": 1.0}}}
    model = TinyRCNNHead()
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg["SOLVER"]["BASE_LR"], momentum=0.9)
    AMPTrainer(model, optimizer, build_gradient_clipper(cfg["SOLVER"]["CLIP_GRADIENTS"])).train(args.max_iter)
