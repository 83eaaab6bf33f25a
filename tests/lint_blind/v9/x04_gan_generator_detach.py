# expect: TVL002
# style: DCGAN-style notebook export on synthetic images
# bug: the generator loss is computed on fake images from a helper that detaches them (meant for the discriminator step), so the generator optimizer gets no gradients.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# %% config
nz, ngf, ndf = 64, 32, 32
batch_size = 64
epochs = 3
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# %% data
real_images = torch.rand(1024, 1, 28, 28) * 2 - 1
loader = DataLoader(TensorDataset(real_images), batch_size=batch_size, shuffle=True, drop_last=True)


# %% models
class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Flatten(), nn.Linear(ndf * 2 * 7 * 7, 1),
        )

    def forward(self, x):
        return self.net(x).view(-1)


netG, netD = Generator().to(device), Discriminator().to(device)
criterion = nn.BCEWithLogitsLoss()
optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
fixed_noise = torch.randn(16, nz, 1, 1, device=device)


def sample_fake(n):
    z = torch.randn(n, nz, 1, 1, device=device)
    return netG(z).detach()


# %% training
G_losses, D_losses = [], []
for epoch in range(epochs):
    for i, (real,) in enumerate(loader):
        real = real.to(device)
        b = real.size(0)
        ones = torch.ones(b, device=device)
        zeros = torch.zeros(b, device=device)

        # ---- update D
        optD.zero_grad()
        fake = sample_fake(b)
        lossD = criterion(netD(real), ones) + criterion(netD(fake), zeros)
        lossD.backward()
        optD.step()

        # ---- update G
        optG.zero_grad()
        fake = sample_fake(b)
        lossG = criterion(netD(fake), ones)
        lossG.backward()
        optG.step()

        G_losses.append(lossG.item())
        D_losses.append(lossD.item())
        if i % 50 == 0:
            print(f"[{epoch}/{epochs}][{i}/{len(loader)}] D {lossD.item():.4f} G {lossG.item():.4f}")

with torch.no_grad():
    grid = netG(fixed_noise).cpu()
print("sample grid", grid.shape)
