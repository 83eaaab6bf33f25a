# expect: TVL013
# style: detectron2-like meta-architecture wrapping a backbone with a registered feature hook, keypoint heatmap regression
# bug: PoseEstimator.forward calls self.backbone.forward(images) directly, so the forward hook registered on the backbone (used for the auxiliary feature loss) never fires and the aux features stay stale/empty.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("pose")


class Backbone(nn.Module):
    def __init__(self, ch=32):
        super().__init__()
        self.stages = nn.Sequential(
            nn.Conv2d(3, ch, 3, 2, 1), nn.BatchNorm2d(ch), nn.ReLU(),
            nn.Conv2d(ch, ch * 2, 3, 2, 1), nn.BatchNorm2d(ch * 2), nn.ReLU(),
            nn.Conv2d(ch * 2, ch * 4, 3, 1, 1), nn.BatchNorm2d(ch * 4), nn.ReLU(),
        )
        self.out_channels = ch * 4

    def forward(self, x):
        return self.stages(x)


class PoseEstimator(nn.Module):
    def __init__(self, n_kpts=17):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Sequential(nn.Conv2d(self.backbone.out_channels, 128, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(128, n_kpts, 1))
        self.aux_head = nn.Conv2d(self.backbone.out_channels, 1, 1)
        self._feats = {}
        self.backbone.register_forward_hook(self._save_feats)

    def _save_feats(self, module, inp, out):
        self._feats["backbone"] = out

    def forward(self, images):
        feats = self.backbone.forward(images)
        return self.head(feats)

    def aux_loss(self, fg_mask):
        f = self._feats.get("backbone")
        if f is None:
            return torch.zeros(())
        pred = self.aux_head(f)
        return F.binary_cross_entropy_with_logits(pred, F.interpolate(fg_mask, size=pred.shape[-2:]))


def gaussian_heatmaps(n, k, h, w):
    ys = torch.randint(0, h, (n, k, 1, 1)).float()
    xs = torch.randint(0, w, (n, k, 1, 1)).float()
    gy = torch.arange(h).view(1, 1, h, 1).float()
    gx = torch.arange(w).view(1, 1, 1, w).float()
    return torch.exp(-((gy - ys) ** 2 + (gx - xs) ** 2) / (2 * 2.0 ** 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--aux-weight", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    imgs = torch.randn(800, 3, 128, 128)
    hm = gaussian_heatmaps(800, 17, 32, 32)
    fg = (torch.rand(800, 1, 128, 128) > 0.6).float()
    loader = DataLoader(TensorDataset(imgs, hm, fg), batch_size=16, shuffle=True)
    model = PoseEstimator()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[12, 17], gamma=0.1)
    model.train()
    for epoch in range(args.epochs):
        tot = 0.0
        for x, target, mask in loader:
            pred = model(x)
            loss = F.mse_loss(pred, target) + args.aux_weight * model.aux_loss(mask)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        logger.info("epoch %d loss %.5f", epoch, tot / len(loader))


if __name__ == "__main__":
    main()
