# expect: TVL007
# style: Lightning-like LightningModule shim with configure_optimizers, ViT-tiny on synthetic patches
# bug: configure_optimizers() sets CosineAnnealingLR(T_max=max_epochs) but declares interval "step", and the mini Trainer honours it by stepping every batch, so the cosine cycle completes after max_epochs batches and oscillates.
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("vit")


class PatchEmbed(nn.Module):
    def __init__(self, img=32, patch=4, dim=128):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)
        self.n = (img // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViTTiny(nn.Module):
    def __init__(self, n_classes=10, dim=128, depth=4, heads=4):
        super().__init__()
        self.patch = PatchEmbed(dim=dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, self.patch.n + 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 2, dropout=0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, x):
        x = self.patch(x)
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


class LitViT:
    def __init__(self, lr=5e-4, max_epochs=30):
        self.model = ViTTiny()
        self.lr, self.max_epochs = lr, max_epochs

    def training_step(self, batch):
        x, y = batch
        return F.cross_entropy(self.model(x), y, label_smoothing=0.1)

    def validation_step(self, batch):
        x, y = batch
        return (self.model(x).argmax(-1) == y).float().sum().item()

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.lr, weight_decay=0.05)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.max_epochs, eta_min=1e-6)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


class MiniTrainer:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, module, train_dl, val_dl):
        conf = module.configure_optimizers()
        opt = conf["optimizer"]
        sched, interval = conf["lr_scheduler"]["scheduler"], conf["lr_scheduler"].get("interval", "epoch")
        for epoch in range(self.max_epochs):
            module.model.train()
            tot = 0.0
            for batch in train_dl:
                loss = module.training_step(batch)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if interval == "step":
                    sched.step()
                tot += loss.item()
            if interval == "epoch":
                sched.step()
            module.model.eval()
            with torch.no_grad():
                correct = sum(module.validation_step(b) for b in val_dl)
            module.model.train()
            log.info("epoch %d loss %.4f val_acc %.4f lr %.2e", epoch, tot / len(train_dl),
                     correct / len(val_dl.dataset), opt.param_groups[0]["lr"])


def fake_cifar(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.randn(n, 3, 32, 32, generator=g) * 0.3
    x += torch.sin(y.float().view(-1, 1, 1, 1) * torch.linspace(0, math.pi, 32)).view(n, 1, 1, 32)
    return TensorDataset(x, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    lit = LitViT(max_epochs=30)
    train_dl = DataLoader(fake_cifar(5000, 0), batch_size=128, shuffle=True, num_workers=2)
    val_dl = DataLoader(fake_cifar(1000, 1), batch_size=256)
    MiniTrainer(max_epochs=30).fit(lit, train_dl, val_dl)
    torch.save(lit.model.state_dict(), "vit_tiny.pt")
