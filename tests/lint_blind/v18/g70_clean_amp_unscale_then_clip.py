# expect: clean
# style: AMP training loop in a Trainer with grad accumulation (U-Net-ish depth estimation), clipping helper
# note: gradient clipping is done on a GradScaler run, which looks like TVL016, but scaler.unscale_(optimizer) is called before clip_grad_norm_, and scaler.update() follows every scaler.step().
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("depth")


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.up = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def forward(self, x):
        return F.softplus(self.up(self.down(x)))


def scale_invariant_loss(pred, gt, lam=0.85):
    d = torch.log(pred + 1e-6) - torch.log(gt + 1e-6)
    return (d.pow(2).mean((1, 2, 3)) - lam * d.mean((1, 2, 3)).pow(2)).mean()


class AmpTrainer:
    def __init__(self, model, lr=3e-4, accum=2, max_norm=1.0):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device)
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr)
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.device.type == "cuda")
        self.accum, self.max_norm = accum, max_norm

    def _clip(self):
        self.scaler.unscale_(self.opt)
        return nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)

    def _apply(self):
        norm = self._clip()
        self.scaler.step(self.opt)
        self.scaler.update()
        self.opt.zero_grad(set_to_none=True)
        return norm

    def train_epoch(self, loader):
        self.model.train()
        tot, norms = 0.0, []
        self.opt.zero_grad(set_to_none=True)
        for i, (img, depth) in enumerate(loader):
            img, depth = img.to(self.device), depth.to(self.device)
            with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.scaler.is_enabled()):
                pred = self.model(img)
            loss = scale_invariant_loss(pred.float(), depth)
            self.scaler.scale(loss / self.accum).backward()
            if (i + 1) % self.accum == 0 or (i + 1) == len(loader):
                norms.append(float(self._apply()))
            tot += loss.item()
        return tot / len(loader), sum(norms) / max(len(norms), 1)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        rel = []
        for img, depth in loader:
            pred = self.model(img.to(self.device)).float().cpu()
            rel.append(((pred - depth).abs() / depth).mean().item())
        return sum(rel) / len(rel)


def scenes(n, seed):
    g = torch.Generator().manual_seed(seed)
    depth = 1 + 4 * torch.rand(n, 1, 1, 1, generator=g) * torch.linspace(0.2, 1, 32).view(1, 1, 32, 1).expand(n, 1, 32, 32)
    img = torch.cat([1 / depth, 1 / depth, torch.rand(n, 1, 32, 32, generator=g)], 1)
    return TensorDataset(img, depth.contiguous())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    trainer = AmpTrainer(DepthNet())
    train_dl = DataLoader(scenes(2000, 0), batch_size=16, shuffle=True)
    val_dl = DataLoader(scenes(200, 1), batch_size=32)
    for epoch in range(10):
        loss, gnorm = trainer.train_epoch(train_dl)
        log.info("epoch %d silog %.4f grad_norm %.3f absrel %.4f", epoch, loss, gnorm, trainer.evaluate(val_dl))
    torch.save(trainer.model.state_dict(), "depthnet.pt")
