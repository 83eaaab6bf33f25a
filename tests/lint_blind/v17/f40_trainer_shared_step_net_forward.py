# expect: TVL013
# style: Lightning-like module with shared_step, spectral-norm GAN discriminator used as a classifier-critic (hooks matter)
# bug: CriticModule registers an input-standardisation forward pre-hook on self.net, but shared_step calls self.net.forward(x), so training skips the hook while validation (self.net(x)) uses it.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

SN = nn.utils.spectral_norm
log = logging.getLogger(__name__)


class Critic(nn.Module):
    def __init__(self, n_cls=10, ch=64):
        super().__init__()
        self.body = nn.Sequential(
            SN(nn.Conv2d(3, ch, 3, 1, 1)), nn.LeakyReLU(0.1),
            SN(nn.Conv2d(ch, ch, 4, 2, 1)), nn.LeakyReLU(0.1),
            SN(nn.Conv2d(ch, ch * 2, 3, 1, 1)), nn.LeakyReLU(0.1),
            SN(nn.Conv2d(ch * 2, ch * 2, 4, 2, 1)), nn.LeakyReLU(0.1),
            SN(nn.Conv2d(ch * 2, ch * 4, 3, 1, 1)), nn.LeakyReLU(0.1),
        )
        self.fc = SN(nn.Linear(ch * 4, n_cls))

    def forward(self, x):
        h = self.body(x).sum(dim=(2, 3))
        return self.fc(h)


class CriticModule(nn.Module):
    """Lipschitz-constrained classifier (robustness experiment)."""

    def __init__(self, lr=2e-4):
        super().__init__()
        self.net = Critic()
        self.lr = lr
        self.register_buffer("mean", torch.tensor([0.49, 0.48, 0.45]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.25, 0.24, 0.26]).view(1, 3, 1, 1))
        self.net.register_forward_pre_hook(self._standardize)

    def _standardize(self, module, args):
        (x,) = args
        return ((x - self.mean) / self.std,)

    def shared_step(self, batch):
        x, y = batch
        logits = self.net.forward(x)
        loss = F.cross_entropy(logits, y)
        acc = (logits.argmax(1) == y).float().mean()
        return loss, acc

    def training_step(self, batch):
        return self.shared_step(batch)

    @torch.no_grad()
    def validation_step(self, batch):
        x, y = batch
        logits = self.net(x)
        return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr, betas=(0.0, 0.9))


def fit(module, train_dl, val_dl, epochs):
    opt = module.configure_optimizers()
    for epoch in range(epochs):
        module.train()
        tl = ta = 0.0
        for batch in train_dl:
            loss, acc = module.training_step(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tl += loss.item(); ta += acc.item()
        module.eval()
        res = [module.validation_step(b) for b in val_dl]
        vl = sum(r[0] for r in res) / len(res)
        va = sum(r[1] for r in res) / len(res)
        log.info("epoch %d train %.4f/%.3f val %.4f/%.3f", epoch, tl / len(train_dl), ta / len(train_dl), vl, va)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=2e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(6000, 3, 32, 32), torch.randint(0, 10, (6000,))
    train_dl = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    module = CriticModule(args.lr)
    fit(module, train_dl, val_dl, args.epochs)
    torch.save(module.state_dict(), "sn_critic.pt")
