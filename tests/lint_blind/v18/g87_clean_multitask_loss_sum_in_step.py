# expect: clean
# style: multi-task detection-like head (objectness + box regression + class) in a Trainer; losses summed per step
# note: `loss = loss + ...` and `+=` on tensors appear in the step, which looks like TVL012, but the tensor sum is built within one iteration from that batch's terms and backpropagated immediately; cross-iteration logging uses .item().
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("det")

LOSS_WEIGHTS = {"obj": 1.0, "box": 5.0, "cls": 0.5}


class GridHead(nn.Module):
    """Predicts, per cell of an 8x8 grid: objectness logit, 4 box offsets, class logits."""

    def __init__(self, n_classes=5):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.SiLU(),
        )
        self.pred = nn.Conv2d(128, 1 + 4 + n_classes, 1)

    def forward(self, x):
        out = self.pred(self.backbone(x))
        return out[:, 0], out[:, 1:5], out[:, 5:]


class Trainer:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
        self.meters = defaultdict(float)
        self.steps = 0

    def compute_losses(self, batch):
        img, obj_t, box_t, cls_t = batch
        obj, box, cls = self.model(img)
        pos = obj_t > 0.5
        losses = {"obj": F.binary_cross_entropy_with_logits(obj, obj_t)}
        if pos.any():
            losses["box"] = F.smooth_l1_loss(box.permute(0, 2, 3, 1)[pos], box_t.permute(0, 2, 3, 1)[pos])
            losses["cls"] = F.cross_entropy(cls.permute(0, 2, 3, 1)[pos], cls_t[pos])
        return losses

    def train_step(self, batch):
        losses = self.compute_losses(batch)
        loss = torch.zeros(())
        for name, value in losses.items():
            loss = loss + LOSS_WEIGHTS[name] * value
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        for name, value in losses.items():
            self.meters[name] += value.item()
        self.meters["total"] += loss.item()

    def train_epoch(self, loader, epoch):
        self.model.train()
        self.meters.clear()
        for batch in loader:
            self.train_step(batch)
        avg = {k: round(v / len(loader), 4) for k, v in self.meters.items()}
        log.info("epoch %d %s", epoch, avg)
        return avg


def synthetic_grid(n, n_classes=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    obj = (torch.rand(n, 8, 8, generator=g) < 0.1).float()
    cls = torch.randint(0, n_classes, (n, 8, 8), generator=g)
    box = torch.rand(n, 4, 8, 8, generator=g)
    img = torch.randn(n, 3, 64, 64, generator=g) * 0.3
    img += F.interpolate((obj * (cls.float() + 1) / n_classes).unsqueeze(1), scale_factor=8).expand(-1, 3, -1, -1)
    return TensorDataset(img, obj, box, cls)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(synthetic_grid(2000), batch_size=32, shuffle=True)
    trainer = Trainer(GridHead())
    history = [trainer.train_epoch(loader, e) for e in range(10)]
    torch.save({"model": trainer.model.state_dict(), "history": history}, "gridhead.pt")
