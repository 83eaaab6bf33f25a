# expect: clean
# style: Lightning-like module/trainer shim that honours the scheduler "interval" key, normalising-flow density model
# note: the shim has a per-batch scheduler hook like the buggy variant, but it only steps schedulers whose config says interval="step"; the StepLR here is declared interval="epoch" and is stepped once per epoch.
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class MiniModule(nn.Module):
    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def configure_optimizers(self):
        raise NotImplementedError


class MiniTrainer:
    def __init__(self, max_epochs, log_every=100):
        self.max_epochs, self.log_every, self.global_step = max_epochs, log_every, 0

    def _step_schedulers(self, scheds, interval):
        for s in scheds:
            if s.get("interval", "epoch") == interval:
                s["scheduler"].step()

    def fit(self, module, train_dl, val_dl):
        conf = module.configure_optimizers()
        opt, scheds = conf["optimizer"], conf.get("lr_schedulers", [])
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_dl):
                loss = module.training_step(batch, i)
                opt.zero_grad()
                loss.backward()
                opt.step()
                self._step_schedulers(scheds, "step")
                if self.global_step % self.log_every == 0:
                    print(f"step {self.global_step} nll {loss.item():.4f}")
                self.global_step += 1
            self._step_schedulers(scheds, "epoch")
            module.eval()
            with torch.no_grad():
                val = sum(module.nll(b[0]).item() for b in val_dl) / len(val_dl)
            print(f"epoch {epoch} val_nll {val:.4f} lr {opt.param_groups[0]['lr']:.2e}")


class Coupling(nn.Module):
    def __init__(self, d, hidden, mask):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2 * d))

    def forward(self, x):
        s, t = self.net(x * self.mask).chunk(2, -1)
        s = torch.tanh(s) * (1 - self.mask)
        t = t * (1 - self.mask)
        return x * self.mask + (1 - self.mask) * (x * s.exp() + t), s.sum(-1)


class RealNVP(MiniModule):
    def __init__(self, d=2, hidden=128, n_layers=6, lr=1e-3):
        super().__init__()
        masks = [torch.arange(d) % 2 == (i % 2) for i in range(n_layers)]
        self.layers = nn.ModuleList([Coupling(d, hidden, m.float()) for m in masks])
        self.lr = lr

    def nll(self, x):
        logdet = torch.zeros(x.size(0))
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        log_pz = -0.5 * (x ** 2).sum(-1) - 0.5 * x.size(1) * math.log(2 * math.pi)
        return -(log_pz + logdet).mean()

    def training_step(self, batch, batch_idx):
        return self.nll(batch[0])

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
        return {"optimizer": opt, "lr_schedulers": [{"scheduler": sched, "interval": "epoch"}]}


def two_moons(n, noise=0.05):
    t = torch.rand(n) * math.pi
    upper = torch.rand(n) < 0.5
    x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))
    y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
    return torch.stack([x, y], 1) + noise * torch.randn(n, 2)


if __name__ == "__main__":
    torch.manual_seed(0)
    data = two_moons(30000)
    train_dl = DataLoader(TensorDataset(data[:27000]), batch_size=256, shuffle=True)
    val_dl = DataLoader(TensorDataset(data[27000:]), batch_size=1024)
    flow = RealNVP()
    MiniTrainer(max_epochs=30).fit(flow, train_dl, val_dl)
    torch.save(flow.state_dict(), "realnvp_moons.pt")
