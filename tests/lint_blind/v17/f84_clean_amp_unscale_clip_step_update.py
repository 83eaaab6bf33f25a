# expect: clean
# style: mixed-precision Trainer with an optimizer_step() helper, ViT-ish audio spectrogram transformer
# note: gradients are clipped inside an AMP loop, but scaler.unscale_(optimizer) is called before clip_grad_norm_, and scaler.update() follows every scaler.step().
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PatchSpecTransformer(nn.Module):
    def __init__(self, n_mels=64, frames=256, patch=16, d=192, depth=4, heads=3, n_cls=50):
        super().__init__()
        self.patch = nn.Conv2d(1, d, patch, patch)
        n = (n_mels // patch) * (frames // patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.zeros(1, n + 1, d))
        nn.init.trunc_normal_(self.pos, std=0.02)
        self.blocks = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True, norm_first=True), depth)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_cls)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


class AmpTrainer:
    def __init__(self, model, lr, max_norm, device):
        self.model, self.device, self.max_norm = model.to(device), device, max_norm
        self.amp = device == "cuda"
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.amp)

    def optimizer_step(self):
        self.scaler.unscale_(self.opt)
        norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)
        self.scaler.step(self.opt)
        self.scaler.update()
        self.opt.zero_grad(set_to_none=True)
        return norm

    def train_epoch(self, loader):
        self.model.train()
        tot, norms = 0.0, []
        for x, y in loader:
            x, y = x.to(self.device), y.to(self.device)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
                loss = F.cross_entropy(self.model(x), y)
            self.scaler.scale(loss).backward()
            norms.append(float(self.optimizer_step()))
            tot += loss.item()
        return tot / len(loader), sum(norms) / len(norms)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        hit = 0
        for x, y in loader:
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
                hit += (self.model(x.to(self.device)).argmax(1).cpu() == y).sum().item()
        return hit / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--max-norm", type=float, default=1.0)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x, y = torch.randn(3000, 1, 64, 256), torch.randint(0, 50, (3000,))
    train_dl = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=32, shuffle=True, num_workers=2)
    val_dl = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=64)
    trainer = AmpTrainer(PatchSpecTransformer(), args.lr, args.max_norm, device)
    for epoch in range(args.epochs):
        t0 = time.time()
        loss, gn = trainer.train_epoch(train_dl)
        acc = trainer.evaluate(val_dl)
        print(f"epoch {epoch} loss {loss:.4f} grad_norm {gn:.3f} acc {acc:.4f} scale {trainer.scaler.get_scale():.0f} "
              f"{time.time() - t0:.0f}s")
    torch.save(trainer.model.state_dict(), "ast_lite.pt")


if __name__ == "__main__":
    main()
