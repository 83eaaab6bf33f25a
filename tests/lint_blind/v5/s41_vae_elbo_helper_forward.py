# expect: TVL013
# style: VAE for anomaly detection on tabular telemetry, research repo with losses.py-style helper and Trainer class
# bug: the elbo() helper calls model.forward(x) directly instead of model(x), bypassing module hooks
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class VAE(nn.Module):
    def __init__(self, d_in, d_hidden=128, d_latent=8):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d_in, d_hidden), nn.ReLU())
        self.mu = nn.Linear(d_hidden, d_latent)
        self.logvar = nn.Linear(d_hidden, d_latent)
        self.dec = nn.Sequential(nn.Linear(d_latent, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_in))

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


def elbo(model, x, beta=1.0):
    recon, mu, logvar = model.forward(x)
    rec = F.mse_loss(recon, x, reduction="none").sum(1)
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    return rec + beta * kld


class Trainer:
    def __init__(self, model, lr, beta):
        self.model, self.beta = model, beta
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for (x,) in loader:
            loss = elbo(self.model, x, self.beta).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item() * len(x)
        return total / len(loader.dataset)

    @torch.no_grad()
    def anomaly_scores(self, x):
        self.model.eval()
        return elbo(self.model, x, self.beta)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--beta", type=float, default=0.5)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    normal = torch.randn(10000, 20)
    loader = DataLoader(TensorDataset(normal), batch_size=256, shuffle=True)
    trainer = Trainer(VAE(20), args.lr, args.beta)
    for epoch in range(args.epochs):
        print(f"epoch {epoch}: -elbo {trainer.train_epoch(loader):.3f}")
    test = torch.cat([torch.randn(500, 20), torch.randn(50, 20) * 3])
    scores = trainer.anomaly_scores(test)
    print("top-50 anomalies index mean:", scores.topk(50).indices.float().mean().item())
