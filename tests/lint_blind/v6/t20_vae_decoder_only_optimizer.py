# expect: TVL006
# style: notebook-style script, VAE on synthetic 28x28 images
# bug: the optimizer is built over vae.decoder.parameters() only while the encoder stays trainable, so encoder gradients from the ELBO are computed and never applied.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

LATENT = 16


class VAE(nn.Module):
    def __init__(self, latent=LATENT):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, 400), nn.ReLU(), nn.Linear(400, 784))

    def encode(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + std * torch.randn_like(std)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decoder(z).view(-1, 1, 28, 28), mu, logvar


def elbo_loss(recon_logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.size(0)


data = (torch.rand(6000, 1, 28, 28) > 0.7).float()
loader = DataLoader(TensorDataset(data), batch_size=128, shuffle=True)

vae = VAE()
# decoder is the generative part we care about
optimizer = torch.optim.Adam(vae.decoder.parameters(), lr=1e-3)

for epoch in range(1, 21):
    vae.train()
    train_loss = 0.0
    for (x,) in loader:
        optimizer.zero_grad()
        recon, mu, logvar = vae(x)
        loss = elbo_loss(recon, x, mu, logvar)
        loss.backward()
        optimizer.step()
        train_loss += loss.item() * x.size(0)
    print(f"====> Epoch {epoch} average loss {train_loss / len(loader.dataset):.4f}")

vae.eval()
with torch.no_grad():
    z = torch.randn(64, LATENT)
    samples = torch.sigmoid(vae.decoder(z)).view(64, 1, 28, 28)
print("sample mean intensity", samples.mean().item())
