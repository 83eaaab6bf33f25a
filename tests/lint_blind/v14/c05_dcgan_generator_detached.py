# expect: TVL002
# style: beginner DCGAN script on synthetic 28x28 images
# bug: the generator update feeds fake.detach() to the discriminator, so the generator loss only reaches D's parameters and G never learns
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

nz = 64
ngf = 32
ndf = 32
epochs = 20
lr = 2e-4
beta1 = 0.5
out_dir = "samples"
os.makedirs(out_dir, exist_ok=True)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False),
        )

    def forward(self, x):
        return self.net(x).view(-1)


def weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


real_data = torch.tanh(torch.randn(6000, 1, 28, 28))
loader = DataLoader(TensorDataset(real_data), batch_size=128, shuffle=True, drop_last=True)

netG = Generator()
netD = Discriminator()
netG.apply(weights_init)
netD.apply(weights_init)

criterion = nn.BCEWithLogitsLoss()
fixed_noise = torch.randn(64, nz, 1, 1)
optD = torch.optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
optG = torch.optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))

G_losses, D_losses = [], []
for epoch in range(epochs):
    for i, (real,) in enumerate(loader):
        b = real.size(0)
        ones = torch.ones(b)
        zeros = torch.zeros(b)

        # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        err_real = criterion(netD(real), ones)
        noise = torch.randn(b, nz, 1, 1)
        fake = netG(noise)
        err_fake = criterion(netD(fake.detach()), zeros)
        errD = err_real + err_fake
        errD.backward()
        optD.step()

        # (2) update G: maximize log(D(G(z)))
        netG.zero_grad()
        output = netD(fake.detach())
        errG = criterion(output, ones)
        errG.backward()
        optG.step()

        G_losses.append(errG.item())
        D_losses.append(errD.item())
        if i % 20 == 0:
            print(f"[{epoch}/{epochs}][{i}/{len(loader)}] Loss_D {errD.item():.4f} Loss_G {errG.item():.4f}")

    with torch.no_grad():
        netG.eval()
        samples = netG(fixed_noise)
        netG.train()
    torch.save(samples, os.path.join(out_dir, f"epoch_{epoch:03d}.pt"))

torch.save(netG.state_dict(), "netG.pt")
