# expect: TVL007
# style: fastai-like Learner with callbacks, VAE on images, scheduler driven by an after_batch callback
# bug: the LRSchedulerCallback builds CosineAnnealingLR with T_max=n_epochs but steps it in after_batch, so the cosine cycle is completed after n_epochs iterations and then repeats every few batches
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class VAE(nn.Module):
    def __init__(self, d_in=784, d_h=400, d_z=20):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d_in, d_h), nn.ReLU())
        self.mu = nn.Linear(d_h, d_z)
        self.logvar = nn.Linear(d_h, d_z)
        self.dec = nn.Sequential(nn.Linear(d_z, d_h), nn.ReLU(), nn.Linear(d_h, d_in))

    def forward(self, x):
        h = self.enc(x.flatten(1))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


def vae_loss(recon_logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(recon_logits, x.flatten(1), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.size(0)


class Callback:
    learn = None

    def before_fit(self): pass
    def before_epoch(self): pass
    def after_batch(self): pass
    def after_epoch(self): pass


class Recorder(Callback):
    def before_fit(self):
        self.losses = []

    def after_batch(self):
        self.losses.append(self.learn.loss.item())

    def after_epoch(self):
        n = len(self.learn.dl)
        print(f"epoch {self.learn.epoch}: loss {sum(self.losses[-n:]) / n:.3f} lr {self.learn.opt.param_groups[0]['lr']:.2e}")


class LRSchedulerCallback(Callback):
    def __init__(self, eta_min=1e-5):
        self.eta_min = eta_min

    def before_fit(self):
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.learn.opt, T_max=self.learn.n_epochs, eta_min=self.eta_min)

    def after_batch(self):
        self.sched.step()


class Learner:
    def __init__(self, model, dl, lr, cbs=()):
        self.model, self.dl, self.lr = model, dl, lr
        self.cbs = list(cbs)
        for cb in self.cbs:
            cb.learn = self

    def _cb(self, name):
        for cb in self.cbs:
            getattr(cb, name)()

    def one_batch(self, x):
        recon, mu, logvar = self.model(x)
        self.loss = vae_loss(recon, x, mu, logvar)
        self.opt.zero_grad()
        self.loss.backward()
        self.opt.step()
        self._cb("after_batch")

    def fit(self, n_epochs):
        self.n_epochs = n_epochs
        self.opt = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        self._cb("before_fit")
        for self.epoch in range(n_epochs):
            self.model.train()
            self._cb("before_epoch")
            for (x,) in self.dl:
                self.one_batch(x)
            self._cb("after_epoch")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=128)
    args = ap.parse_args()
    images = (torch.rand(10000, 1, 28, 28) > 0.7).float()
    dl = DataLoader(TensorDataset(images), batch_size=args.bs, shuffle=True)
    learn = Learner(VAE(), dl, args.lr, cbs=[Recorder(), LRSchedulerCallback()])
    learn.fit(args.epochs)
    learn.model.eval()
    with torch.no_grad():
        z = torch.randn(64, 20)
        samples = torch.sigmoid(learn.model.dec(z)).view(64, 1, 28, 28)
    torch.save(samples, "vae_samples.pt")
