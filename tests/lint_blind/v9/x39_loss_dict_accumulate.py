# expect: TVL012
# style: object-detection-like multi-loss training with compute_losses returning a dict and a log accumulator
# bug: accumulate() sums the raw loss tensors from compute_losses into the epoch log dict, so each iteration's graph is retained for the whole logging window.
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("det")
NUM_CLASSES = 20


class CenterNetLite(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        )
        self.heatmap = nn.Conv2d(128, NUM_CLASSES, 1)
        self.wh = nn.Conv2d(128, 2, 1)
        self.offset = nn.Conv2d(128, 2, 1)

    def forward(self, x):
        f = self.backbone(x)
        return {"hm": self.heatmap(f), "wh": self.wh(f), "off": self.offset(f)}


def compute_losses(out, tgt):
    hm_loss = F.binary_cross_entropy_with_logits(out["hm"], tgt["hm"])
    mask = tgt["mask"].unsqueeze(1)
    wh_loss = (F.l1_loss(out["wh"], tgt["wh"], reduction="none") * mask).sum() / mask.sum().clamp_min(1)
    off_loss = (F.l1_loss(out["off"], tgt["off"], reduction="none") * mask).sum() / mask.sum().clamp_min(1)
    total = hm_loss + 0.1 * wh_loss + off_loss
    return {"total": total, "hm": hm_loss, "wh": wh_loss, "off": off_loss}


def accumulate(logs, losses):
    for k, v in losses.items():
        logs[k] += v
    logs["n"] += 1


def make_loader(n=512, s=256):
    imgs = torch.randn(n, 3, s, s)
    hm = (torch.rand(n, NUM_CLASSES, s // 8, s // 8) > 0.995).float()
    wh = torch.rand(n, 2, s // 8, s // 8) * 10
    off = torch.rand(n, 2, s // 8, s // 8)
    mask = hm.amax(1)
    return DataLoader(TensorDataset(imgs, hm, wh, off, mask), batch_size=8, shuffle=True)


def main(epochs=10, log_every=20):
    model = CenterNetLite()
    opt = torch.optim.Adam(model.parameters(), lr=1.25e-4)
    loader = make_loader()
    for epoch in range(epochs):
        model.train()
        logs = defaultdict(float)
        for it, (img, hm, wh, off, mask) in enumerate(loader):
            out = model(img)
            losses = compute_losses(out, {"hm": hm, "wh": wh, "off": off, "mask": mask})
            opt.zero_grad()
            losses["total"].backward()
            opt.step()
            accumulate(logs, losses)
            if (it + 1) % log_every == 0:
                n = logs.pop("n")
                log.info("epoch %d it %d " + " ".join(f"{k}={float(v) / n:.4f}" for k, v in logs.items()), epoch, it)
                logs = defaultdict(float)
        torch.save(model.state_dict(), f"centernet_e{epoch}.pth")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
