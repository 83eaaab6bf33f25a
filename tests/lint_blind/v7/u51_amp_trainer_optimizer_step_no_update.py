# expect: TVL016
# style: Trainer class with separate backward()/optimizer_step() methods and AMP, semantic segmentation of satellite tiles
# bug: SegTrainer.optimizer_step() unscales, clips and calls self.scaler.step(self.optimizer) but nowhere in the Trainer is self.scaler.update() called.
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("seg")


class FCN(nn.Module):
    def __init__(self, n_classes=6, c=32):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(4, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(),
            nn.Conv2d(2 * c, 4 * c, 3, stride=2, padding=1), nn.BatchNorm2d(4 * c), nn.ReLU(),
        )
        self.cls = nn.Conv2d(4 * c, n_classes, 1)

    def forward(self, x):
        return F.interpolate(self.cls(self.enc(x)), size=x.shape[-2:], mode="bilinear", align_corners=False)


def dice_loss(logits, target, n_classes, eps=1.0):
    probs = logits.softmax(1)
    onehot = F.one_hot(target, n_classes).permute(0, 3, 1, 2).float()
    inter = (probs * onehot).sum((0, 2, 3))
    union = probs.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    return 1 - ((2 * inter + eps) / (union + eps)).mean()


class SegTrainer:
    def __init__(self, model, n_classes, lr=1e-3, max_norm=5.0, device="cuda", out_dir="runs/seg"):
        self.model = model.to(device)
        self.device = device
        self.n_classes = n_classes
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
        self.scaler = torch.cuda.amp.GradScaler(enabled=device == "cuda")
        self.max_norm = max_norm
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)

    def forward_loss(self, img, mask):
        with torch.autocast(device_type="cuda", enabled=self.device == "cuda"):
            logits = self.model(img)
            ce = F.cross_entropy(logits, mask)
        return ce + dice_loss(logits.float(), mask, self.n_classes)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def optimizer_step(self):
        self.scaler.unscale_(self.optimizer)
        nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)
        self.scaler.step(self.optimizer)
        self.optimizer.zero_grad(set_to_none=True)

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for img, mask in loader:
            img, mask = img.to(self.device), mask.to(self.device)
            loss = self.forward_loss(img, mask)
            self.backward(loss)
            self.optimizer_step()
            tot += loss.item()
        return tot / len(loader)

    @torch.no_grad()
    def miou(self, loader):
        self.model.eval()
        inter = torch.zeros(self.n_classes)
        union = torch.zeros(self.n_classes)
        for img, mask in loader:
            pred = self.model(img.to(self.device)).argmax(1).cpu()
            for c in range(self.n_classes):
                inter[c] += ((pred == c) & (mask == c)).sum()
                union[c] += ((pred == c) | (mask == c)).sum()
        self.model.train()
        return (inter / union.clamp(min=1)).mean().item()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tr = TensorDataset(torch.randn(600, 4, 96, 96), torch.randint(0, 6, (600, 96, 96)))
    va = TensorDataset(torch.randn(100, 4, 96, 96), torch.randint(0, 6, (100, 96, 96)))
    trainer = SegTrainer(FCN(), 6, device=dev)
    train_dl = DataLoader(tr, batch_size=8, shuffle=True, num_workers=2)
    val_dl = DataLoader(va, batch_size=16, num_workers=2)
    for ep in range(20):
        loss = trainer.train_epoch(train_dl)
        logger.info("epoch %d loss %.4f mIoU %.4f", ep, loss, trainer.miou(val_dl))
        torch.save(trainer.model.state_dict(), os.path.join(trainer.out_dir, "last.pt"))
