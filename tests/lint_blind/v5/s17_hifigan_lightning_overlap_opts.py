# expect: TVL006
# style: HiFi-GAN-like vocoder as a LightningModule with configure_optimizers (manual optimization), run by a hand-written loop
# bug: configure_optimizers builds opt_g over self.parameters() (generator AND discriminator) and opt_d over the discriminator, so the two optimizers overlap and the generator step also updates the discriminator
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Generator(nn.Module):
    def __init__(self, n_mels=80, ch=128, hop=64):
        super().__init__()
        self.pre = nn.Conv1d(n_mels, ch, 7, padding=3)
        self.up = nn.Sequential(
            nn.ConvTranspose1d(ch, ch // 2, 16, stride=8, padding=4), nn.LeakyReLU(0.1),
            nn.ConvTranspose1d(ch // 2, ch // 4, 16, stride=8, padding=4), nn.LeakyReLU(0.1),
        )
        self.post = nn.Conv1d(ch // 4, 1, 7, padding=3)

    def forward(self, mel):
        return torch.tanh(self.post(self.up(self.pre(mel))))


class ScaleDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv1d(1, 16, 15, padding=7), nn.LeakyReLU(0.1),
            nn.Conv1d(16, 64, 41, stride=4, groups=4, padding=20), nn.LeakyReLU(0.1),
            nn.Conv1d(64, 1, 3, padding=1),
        )

    def forward(self, wav):
        return self.convs(wav)


class VocoderModule(nn.Module):
    def __init__(self, lr=2e-4, betas=(0.8, 0.99)):
        super().__init__()
        self.generator = Generator()
        self.discriminator = ScaleDiscriminator()
        self.lr, self.betas = lr, betas

    def configure_optimizers(self):
        opt_g = torch.optim.AdamW(self.parameters(), lr=self.lr, betas=self.betas)
        opt_d = torch.optim.AdamW(self.discriminator.parameters(), lr=self.lr, betas=self.betas)
        return opt_g, opt_d

    def training_step(self, batch, optimizers):
        mel, wav = batch
        opt_g, opt_d = optimizers
        fake = self.generator(mel)

        d_real, d_fake = self.discriminator(wav), self.discriminator(fake.detach())
        loss_d = ((1 - d_real) ** 2).mean() + (d_fake ** 2).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()

        adv = ((1 - self.discriminator(fake)) ** 2).mean()
        loss_g = adv + 45.0 * F.l1_loss(fake, wav)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}


def fit(module, loader, epochs):
    optimizers = module.configure_optimizers()
    scheds = [torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.999) for o in optimizers]
    for epoch in range(epochs):
        module.train()
        for i, batch in enumerate(loader):
            logs = module.training_step(batch, optimizers)
            if i % 20 == 0:
                print(epoch, i, logs)
        for s in scheds:
            s.step()


if __name__ == "__main__":
    mels = torch.randn(256, 80, 32)
    wavs = torch.rand(256, 1, 32 * 64) * 2 - 1
    fit(VocoderModule(), DataLoader(TensorDataset(mels, wavs), batch_size=16, shuffle=True), epochs=3)
