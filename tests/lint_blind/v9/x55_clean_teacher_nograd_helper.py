# expect: clean
# style: research repo, feature distillation for semantic segmentation with a no_grad teacher helper
# note: a @torch.no_grad() helper is used for the teacher's features only; the student forward runs with autograd on, so the distillation loss reaches the student.
import os
import random
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("fd")


class SegNet(nn.Module):
    def __init__(self, width, n_classes=19):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width * 2, 3, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU(),
        )
        self.classifier = nn.Conv2d(width * 2, n_classes, 1)

    def forward(self, x, return_feats=False):
        f = self.encoder(x)
        logits = F.interpolate(self.classifier(f), size=x.shape[-2:], mode="bilinear", align_corners=False)
        return (logits, f) if return_feats else logits


@torch.no_grad()
def teacher_targets(teacher, images):
    logits, feats = teacher(images, return_feats=True)
    return logits, feats


def distill_losses(s_logits, s_feats, t_logits, t_feats, adapter, labels, T=1.0):
    ce = F.cross_entropy(s_logits, labels, ignore_index=255)
    feat = F.mse_loss(adapter(s_feats), t_feats)
    kd = F.kl_div(F.log_softmax(s_logits / T, 1), F.log_softmax(t_logits / T, 1), reduction="batchmean", log_target=True)
    return ce, feat, kd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--feat-w", type=float, default=0.5)
    ap.add_argument("--kd-w", type=float, default=1.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    teacher, student = SegNet(64), SegNet(16)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    adapter = nn.Conv2d(32, 128, 1)
    opt = torch.optim.SGD(list(student.parameters()) + list(adapter.parameters()), lr=0.01, momentum=0.9, weight_decay=1e-4)

    imgs = torch.randn(400, 3, 96, 96)
    masks = torch.randint(0, 19, (400, 96, 96))
    dl = DataLoader(TensorDataset(imgs, masks), batch_size=8, shuffle=True)
    for epoch in range(args.epochs):
        student.train()
        adapter.train()
        sums = [0.0, 0.0, 0.0]
        for x, y in dl:
            t_logits, t_feats = teacher_targets(teacher, x)
            s_logits, s_feats = student(x, return_feats=True)
            ce, feat, kd = distill_losses(s_logits, s_feats, t_logits, t_feats, adapter, y)
            loss = ce + args.feat_w * feat + args.kd_w * kd
            opt.zero_grad()
            loss.backward()
            opt.step()
            sums = [a + b.item() for a, b in zip(sums, (ce, feat, kd))]
        log.info("epoch %d ce %.4f feat %.4f kd %.4f", epoch, *[s / len(dl) for s in sums])
    torch.save(student.state_dict(), "student_seg.pt")


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
