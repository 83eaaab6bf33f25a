# expect: clean
# style: MelGAN/HiFi-GAN-like vocoder training with separate generator and multi-scale discriminator modules, two optimizers
# note: optim_g covers only the generator and optim_d only the discriminators (nn.ModuleList); D is trained on fake.detach(); each optimizer zeroes its own grads before its backward
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Generator(nn.Module):
    def __init__(self, n_mels=80, ch=256):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(n_mels, ch, 7, padding=3), nn.LeakyReLU(0.2),
            nn.ConvTranspose1d(ch, ch // 2, 16, 8, 4), nn.LeakyReLU(0.2),
            nn.ConvTranspose1d(ch // 2, ch // 4, 16, 8, 4), nn.LeakyReLU(0.2),
            nn.Conv1d(ch // 4, 1, 7, padding=3), nn.Tanh())

    def forward(self, mel):
        return self.net(mel)


class DiscriminatorBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.Sequential(nn.Conv1d(1, 16, 15, padding=7), nn.LeakyReLU(0.2)),
            nn.Sequential(nn.Conv1d(16, 64, 41, 4, 20, groups=4), nn.LeakyReLU(0.2)),
            nn.Conv1d(64, 1, 3, padding=1)])

    def forward(self, x):
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return feats


class MultiScaleDiscriminator(nn.Module):
    def __init__(self, n_scales=3):
        super().__init__()
        self.discs = nn.ModuleList(DiscriminatorBlock() for _ in range(n_scales))
        self.pool = nn.AvgPool1d(4, 2, padding=1, count_include_pad=False)

    def forward(self, x):
        outs = []
        for d in self.discs:
            outs.append(d(x))
            x = self.pool(x)
        return outs


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lambda_feat", type=float, default=10.0)
    args = ap.parse_args()
    mels, wavs = torch.randn(512, 80, 32), torch.rand(512, 1, 2048) * 2 - 1
    loader = DataLoader(TensorDataset(mels, wavs), batch_size=16, shuffle=True, drop_last=True)
    netG, netD = Generator(), MultiScaleDiscriminator()
    optim_g = torch.optim.Adam(netG.parameters(), lr=1e-4, betas=(0.5, 0.9))
    optim_d = torch.optim.Adam(netD.parameters(), lr=1e-4, betas=(0.5, 0.9))
    for epoch in range(args.epochs):
        netG.train(), netD.train()
        for mel, wav in loader:
            fake = netG(mel)
            loss_d = sum(F.relu(1 - real[-1]).mean() + F.relu(1 + gen[-1]).mean()
                         for real, gen in zip(netD(wav), netD(fake.detach())))
            optim_d.zero_grad()
            loss_d.backward()
            optim_d.step()

            d_fake, d_real = netD(fake), netD(wav)
            loss_adv = sum(-scale[-1].mean() for scale in d_fake)
            loss_feat = sum(F.l1_loss(f, r.detach()) for sf, sr in zip(d_fake, d_real) for f, r in zip(sf[:-1], sr[:-1]))
            loss_g = loss_adv + args.lambda_feat * loss_feat
            optim_g.zero_grad()
            loss_g.backward()
            optim_g.step()
        print(f"epoch {epoch}: D {loss_d.item():.3f} G {loss_g.item():.3f}")
