# expect: TVL006
# style: generative model (VAE) notebook-ish script, encoder and decoder as separate modules
# bug: the optimizer only receives decoder.parameters(); the encoder receives gradients from the ELBO every step but is never updated and was never frozen
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

LATENT = 16
EPOCHS = 25
BATCH = 128
LR = 1e-3
BETA = 1.0
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Encoder(nn.Module):
    def __init__(self, d_in=784, hidden=400, z=LATENT):
        super().__init__()
        self.fc = nn.Linear(d_in, hidden)
        self.mu = nn.Linear(hidden, z)
        self.logvar = nn.Linear(hidden, z)

    def forward(self, x):
        h = F.relu(self.fc(x))
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self, z=LATENT, hidden=400, d_out=784):
        super().__init__()
        self.fc1 = nn.Linear(z, hidden)
        self.fc2 = nn.Linear(hidden, d_out)

    def forward(self, z):
        return self.fc2(F.relu(self.fc1(z)))  # logits


def reparameterize(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + torch.randn_like(std) * std


def elbo(x_logits, x, mu, logvar):
    rec = F.binary_cross_entropy_with_logits(x_logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return rec + BETA * kld, rec, kld


# binarised random "digits"
data = (torch.rand(10000, 784) > 0.7).float()
train_loader = DataLoader(TensorDataset(data[:9000]), batch_size=BATCH, shuffle=True)
test_loader = DataLoader(TensorDataset(data[9000:]), batch_size=BATCH)

encoder = Encoder().to(device)
decoder = Decoder().to(device)
optimizer = torch.optim.Adam(decoder.parameters(), lr=LR)

for epoch in range(1, EPOCHS + 1):
    encoder.train()
    decoder.train()
    train_loss = 0.0
    for (x,) in train_loader:
        x = x.to(device)
        optimizer.zero_grad()
        mu, logvar = encoder(x)
        z = reparameterize(mu, logvar)
        loss, rec, kld = elbo(decoder(z), x, mu, logvar)
        loss.backward()
        optimizer.step()
        train_loss += loss.item()

    encoder.eval()
    decoder.eval()
    test_loss = 0.0
    with torch.no_grad():
        for (x,) in test_loader:
            x = x.to(device)
            mu, logvar = encoder(x)
            test_loss += elbo(decoder(mu), x, mu, logvar)[0].item()
    print("====> Epoch: {} Average train loss: {:.4f}  test loss: {:.4f}".format(
        epoch, train_loss / len(train_loader.dataset), test_loss / len(test_loader.dataset)))

    with torch.no_grad():
        sample = torch.sigmoid(decoder(torch.randn(64, LATENT, device=device))).cpu().numpy()
    np.save(f"sample_{epoch:03d}.npy", sample.reshape(64, 28, 28))

torch.save({"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}, "vae.pt")
