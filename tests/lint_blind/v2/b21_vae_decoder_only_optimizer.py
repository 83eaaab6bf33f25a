# expect: TVL006
# style: PyTorch-VAE-style experiment class (configure_optimizers split from the model)
# bug: VAEExperiment.configure_optimizers() builds Adam over model.decoder only; the encoder (fc_mu/fc_var) stays trainable but is never updated
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class VanillaVAE(nn.Module):
    def __init__(self, in_dim=784, latent_dim=16):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(in_dim, 400), nn.LeakyReLU())
        self.fc_mu = nn.Linear(400, latent_dim)
        self.fc_var = nn.Linear(400, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 400), nn.LeakyReLU(), nn.Linear(400, in_dim))

    def forward(self, x):
        h = self.encoder(x)
        mu, log_var = self.fc_mu(h), self.fc_var(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var)
        return self.decoder(z), mu, log_var

    def loss_function(self, recons, x, mu, log_var, kld_weight):
        recons_loss = F.binary_cross_entropy_with_logits(recons, x, reduction="sum") / x.size(0)
        kld = torch.mean(-0.5 * torch.sum(1 + log_var - mu ** 2 - log_var.exp(), dim=1))
        return recons_loss + kld_weight * kld


class VAEExperiment:
    def __init__(self, model, params):
        self.model = model
        self.params = params
        self.optimizer = self.configure_optimizers()

    def configure_optimizers(self):
        return torch.optim.Adam(self.model.decoder.parameters(), lr=self.params["LR"],
                                weight_decay=self.params["weight_decay"])

    def training_epoch(self, loader):
        self.model.train()
        total = 0.0
        for x, _ in loader:
            recons, mu, log_var = self.model(x)
            loss = self.model.loss_function(recons, x, mu, log_var, self.params["kld_weight"])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss.item()
        return total / len(loader)


def main():
    parser = argparse.ArgumentParser(description="Generic runner for VAE models")
    parser.add_argument("--LR", type=float, default=5e-3)
    parser.add_argument("--kld_weight", type=float, default=0.00025)
    parser.add_argument("--max_epochs", type=int, default=10)
    args = parser.parse_args()
    params = {"LR": args.LR, "weight_decay": 0.0, "kld_weight": args.kld_weight}
    exp = VAEExperiment(VanillaVAE(), params)
    loader = DataLoader(TensorDataset(torch.rand(1000, 784), torch.zeros(1000)), batch_size=64, shuffle=True)
    for epoch in range(args.max_epochs):
        print(f"epoch {epoch}: loss={exp.training_epoch(loader):.3f}")


if __name__ == "__main__":
    main()
