# real: source=https://github.com/pytorch/examples/blob/main/dcgan/main.py
# real: args=
# real: bug=d-not-zeroed expect=grads-not-cleared
# real: bug=optimizer-g-over-netd expect=unoptimized-parameters
"""pytorch/examples DCGAN: ConvTranspose2d/Conv2d + BatchNorm2d nets, weights_init, BCELoss, two
Adam(betas=(0.5, 0.999)); D on real then detached fake, then G (its backward also fills netD's
grads, cleared by netD.zero_grad() next iteration); state_dict checkpoints per epoch.
Changed: synthetic 16x16 one-channel blob images, small widths, lr 1e-3 instead of 2e-4."""

import argparse
import os
import tempfile

import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)

parser = argparse.ArgumentParser()
parser.add_argument("--batchSize", type=int, default=32)
parser.add_argument("--imageSize", type=int, default=16)
parser.add_argument("--nz", type=int, default=16)
parser.add_argument("--ngf", type=int, default=8)
parser.add_argument("--ndf", type=int, default=8)
parser.add_argument("--niter", type=int, default=4, help="number of epochs")
parser.add_argument("--lr", type=float, default=0.0002 * 5)
parser.add_argument("--beta1", type=float, default=0.5)
parser.add_argument("--outf", default=None, help="checkpoint folder (default: a temporary one)")
parser.add_argument("--manualSeed", type=int, default=999)
parser.add_argument("--bug", default="", choices=["", "d-not-zeroed", "optimizer-g-over-netd"])
opt = parser.parse_args()

torch.manual_seed(opt.manualSeed)
nc, nz, ngf, ndf = 1, opt.nz, opt.ngf, opt.ndf
tmp = None
if opt.outf is None:
    tmp = tempfile.TemporaryDirectory()
    opt.outf = tmp.name


def make_blobs(n: int, size: int) -> torch.Tensor:
    """One or two Gaussian blobs per image, in [-1, 1] like the Normalize((0.5,), (0.5,)) data."""
    g = torch.Generator().manual_seed(0)
    yy, xx = torch.meshgrid(torch.arange(size).float(), torch.arange(size).float(), indexing="ij")
    centres = 3 + (size - 6) * torch.rand(n, 2, 2, generator=g)
    second = (torch.rand(n, 1, 1, generator=g) < 0.5).float()
    d1 = (yy - centres[:, 0, 0, None, None]) ** 2 + (xx - centres[:, 0, 1, None, None]) ** 2
    d2 = (yy - centres[:, 1, 0, None, None]) ** 2 + (xx - centres[:, 1, 1, None, None]) ** 2
    img = torch.exp(-d1 / 6.0) + second * torch.exp(-d2 / 6.0)
    return (img.clamp(0, 1) * 2 - 1).unsqueeze(1)


dataset = TensorDataset(make_blobs(512, opt.imageSize))
dataloader = DataLoader(dataset, batch_size=opt.batchSize, shuffle=True,
                        generator=torch.Generator().manual_seed(opt.manualSeed))


# custom weights initialization called on netG and netD
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            # Z -> (ngf*4) x 4 x 4
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # -> (ngf*2) x 8 x 8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # -> nc x 16 x 16
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            # nc x 16 x 16 -> ndf x 8 x 8
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # -> (ndf*2) x 4 x 4
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # -> 1 x 1 x 1
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


netG = Generator()
netG.apply(weights_init)
netD = Discriminator()
netD.apply(weights_init)

criterion = nn.BCELoss()

fixed_noise = torch.randn(opt.batchSize, nz, 1, 1)
real_label = 1
fake_label = 0

# setup optimizer
optimizerD = optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
if opt.bug == "optimizer-g-over-netd":  # copy-pasted from the line above
    optimizerG = optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
else:
    optimizerG = optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))

for epoch in range(opt.niter):
    for i, data in enumerate(dataloader, 0):
        ############################
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        ###########################
        # train with real
        if opt.bug != "d-not-zeroed":
            netD.zero_grad()
        real_cpu = data[0]
        batch_size = real_cpu.size(0)
        label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype)

        output = netD(real_cpu)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        # train with fake
        noise = torch.randn(batch_size, nz, 1, 1)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        ############################
        # (2) Update G network: maximize log(D(G(z)))
        ###########################
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()

        if i % 8 == 0:
            print(f"[{epoch}/{opt.niter}][{i}/{len(dataloader)}] Loss_D: {errD.item():.4f} "
                  f"Loss_G: {errG.item():.4f} D(x): {D_x:.4f} D(G(z)): {D_G_z1:.4f} / {D_G_z2:.4f}")
        if i % 100 == 0:
            fake = netG(fixed_noise)  # the original saves these as an image grid
            samples = fake.detach()
    # do checkpointing
    torch.save(netG.state_dict(), os.path.join(opt.outf, f"netG_epoch_{epoch}.pth"))
    torch.save(netD.state_dict(), os.path.join(opt.outf, f"netD_epoch_{epoch}.pth"))

if tmp is not None:
    tmp.cleanup()
