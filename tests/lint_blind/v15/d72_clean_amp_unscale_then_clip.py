# expect: clean
# style: mixed-precision Trainer with a separate optimizer_step() method (YOLO-like detector head on synthetic boxes)
# note: gradient clipping happens in the AMP path, where clip-before-unscale bugs live — optimizer_step() calls scaler.unscale_() first, then clip_grad_norm_, then scaler.step() and scaler.update() every time
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("det")


class TinyDetector(nn.Module):
    """Predicts per-cell objectness + box offsets on an 8x8 grid."""

    def __init__(self, ch=32):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, ch, 3, 2, 1), nn.BatchNorm2d(ch), nn.SiLU(),
            nn.Conv2d(ch, 2 * ch, 3, 2, 1), nn.BatchNorm2d(2 * ch), nn.SiLU(),
            nn.Conv2d(2 * ch, 4 * ch, 3, 2, 1), nn.BatchNorm2d(4 * ch), nn.SiLU(),
        )
        self.head = nn.Conv2d(4 * ch, 5, 1)

    def forward(self, x):
        return self.head(self.backbone(x))


def det_loss(pred, target):
    obj_logit, box = pred[:, 0], pred[:, 1:]
    obj_t, box_t = target[:, 0], target[:, 1:]
    l_obj = F.binary_cross_entropy_with_logits(obj_logit, obj_t)
    pos = obj_t.unsqueeze(1).expand_as(box) > 0.5
    l_box = F.smooth_l1_loss(box[pos], box_t[pos]) if pos.any() else box.sum() * 0.0
    return l_obj + 5.0 * l_box, l_obj.detach(), l_box.detach()


class AmpTrainer:
    def __init__(self, model, lr, device, max_norm=10.0):
        self.model = model.to(device)
        self.device = device
        self.use_amp = device == "cuda"
        self.opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.937, nesterov=True, weight_decay=5e-4)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        self.max_norm = max_norm

    def optimizer_step(self):
        self.scaler.unscale_(self.opt)
        norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)
        self.scaler.step(self.opt)
        self.scaler.update()
        self.opt.zero_grad(set_to_none=True)
        return norm

    def train_epoch(self, loader, epoch):
        self.model.train()
        for i, (img, tgt) in enumerate(loader):
            img, tgt = img.to(self.device), tgt.to(self.device)
            with torch.autocast("cuda", dtype=torch.float16, enabled=self.use_amp):
                loss, l_obj, l_box = det_loss(self.model(img), tgt)
            self.scaler.scale(loss).backward()
            norm = self.optimizer_step()
            if i % 50 == 0:
                log.info("ep %d it %d loss %.4f obj %.4f box %.4f gnorm %.2f", epoch, i, loss.item(), l_obj.item(),
                         l_box.item(), float(norm))

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        tp = fp = fn = 0
        for img, tgt in loader:
            obj = torch.sigmoid(self.model(img.to(self.device))[:, 0]).cpu() > 0.5
            t = tgt[:, 0] > 0.5
            tp += (obj & t).sum().item()
            fp += (obj & ~t).sum().item()
            fn += (~obj & t).sum().item()
        return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def synth(n, seed):
    g = torch.Generator().manual_seed(seed)
    img = torch.rand(n, 3, 64, 64, generator=g) * 0.3
    tgt = torch.zeros(n, 5, 8, 8)
    for k in range(n):
        for _ in range(int(torch.randint(1, 4, (1,), generator=g))):
            cy, cx = torch.randint(0, 8, (2,), generator=g).tolist()
            img[k, :, cy * 8 : cy * 8 + 8, cx * 8 : cx * 8 + 8] += 0.7
            tgt[k, :, cy, cx] = torch.tensor([1.0, 0.5, 0.5, 1.0, 1.0])
    return TensorDataset(img, tgt)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.01)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    trainer = AmpTrainer(TinyDetector(), a.lr, dev)
    tr = DataLoader(synth(3000, 0), batch_size=32, shuffle=True, drop_last=True)
    va = DataLoader(synth(300, 1), batch_size=64)
    for ep in range(a.epochs):
        trainer.train_epoch(tr, ep)
        p, r = trainer.evaluate(va)
        log.info("epoch %d precision %.3f recall %.3f", ep, p, r)
    torch.save(trainer.model.state_dict(), "tiny_det.pt")
