# real: source=https://github.com/Lightning-AI/pytorch-lightning/blob/master/examples/pytorch/domain_templates/generative_adversarial_net.py
# real: args=
# real: bug=d-not-zeroed expect=grads-not-cleared
# real: bug=d-step-missing expect=skipped-steps
# real: bug=opt-g-over-discriminator expect=unoptimized-parameters
"""Lightning's GAN domain template: an MLP generator (BatchNorm1d(out, 0.8), LeakyReLU, Tanh) and
discriminator, BCE-with-logits, manual optimization (automatic_optimization = False) with
toggle_optimizer / manual_backward / step / untoggle_optimizer for the generator, then the
discriminator on real and detached generated images, Adam(2e-4, betas (0.5, 0.999)) each, images
sampled from fixed noise at every epoch's end. Changed: synthetic 1x12x12 images (bright blobs in
[-1, 1]) from a DataLoader instead of MNISTDataModule, latent size 32, hidden widths a quarter, 512
images, 4 epochs on the CPU, no logger, checkpoint or progress bar, no image grid."""

import math
from argparse import ArgumentParser

import torch
import torch.nn as nn
import torch.nn.functional as F
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)


class Generator(nn.Module):
    def __init__(self, latent_dim=32, img_shape=(1, 12, 12)):
        super().__init__()
        self.img_shape = img_shape

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *block(latent_dim, 32, normalize=False),
            *block(32, 64),
            *block(64, 128),
            *block(128, 256),
            nn.Linear(256, int(math.prod(img_shape))),
            nn.Tanh(),
        )

    def forward(self, z):
        img = self.model(z)
        return img.view(img.size(0), *self.img_shape)


class Discriminator(nn.Module):
    def __init__(self, img_shape):
        super().__init__()
        self.model = nn.Sequential(
            nn.Linear(int(math.prod(img_shape)), 128),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(128, 64),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(64, 1),
        )

    def forward(self, img):
        return self.model(img.view(img.size(0), -1))


class GAN(LightningModule):
    def __init__(self, img_shape=(1, 12, 12), lr=0.0002, b1=0.5, b2=0.999, latent_dim=32, bug=""):
        super().__init__()
        self.save_hyperparameters()
        self.automatic_optimization = False
        self.generator = Generator(latent_dim=latent_dim, img_shape=img_shape)
        self.discriminator = Discriminator(img_shape=img_shape)
        self.validation_z = torch.randn(8, latent_dim)
        self.bug = bug

    def forward(self, z):
        return self.generator(z)

    @staticmethod
    def adversarial_loss(y_hat, y):
        return F.binary_cross_entropy_with_logits(y_hat, y)

    def training_step(self, batch):
        imgs, _ = batch
        opt_g, opt_d = self.optimizers()
        z = torch.randn(imgs.shape[0], self.hparams.latent_dim).type_as(imgs)

        valid = torch.ones(imgs.size(0), 1).type_as(imgs)
        self.toggle_optimizer(opt_g)
        g_loss = self.adversarial_loss(self.discriminator(self(z)), valid)
        opt_g.zero_grad()
        self.manual_backward(g_loss)
        opt_g.step()
        self.untoggle_optimizer(opt_g)

        self.toggle_optimizer(opt_d)
        real_loss = self.adversarial_loss(self.discriminator(imgs), valid)
        fake = torch.zeros(imgs.size(0), 1).type_as(imgs)
        fake_loss = self.adversarial_loss(self.discriminator(self(z).detach()), fake)
        d_loss = (real_loss + fake_loss) / 2
        if self.bug != "d-not-zeroed":
            opt_d.zero_grad()
        self.manual_backward(d_loss)
        if self.bug != "d-step-missing":
            opt_d.step()
        self.untoggle_optimizer(opt_d)

        self.log_dict({"d_loss": d_loss, "g_loss": g_loss})

    def configure_optimizers(self):
        lr, b1, b2 = self.hparams.lr, self.hparams.b1, self.hparams.b2
        g_params = self.discriminator.parameters() if self.bug == "opt-g-over-discriminator" else self.generator.parameters()
        opt_g = torch.optim.Adam(g_params, lr=lr, betas=(b1, b2))
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(b1, b2))
        return opt_g, opt_d

    def on_train_epoch_end(self):
        z = self.validation_z.type_as(self.generator.model[0].weight)
        with torch.no_grad():
            self.samples = self(z)


def blobs(n, size=12, seed=0):
    """Bright Gaussian blobs on a dark background, scaled to [-1, 1] as the template's MNIST is."""
    g = torch.Generator().manual_seed(seed)
    grid = torch.arange(size, dtype=torch.float32)
    cy = torch.randint(3, size - 3, (n, 1, 1), generator=g).float()
    cx = torch.randint(3, size - 3, (n, 1, 1), generator=g).float()
    r2 = (grid.view(1, size, 1) - cy) ** 2 + (grid.view(1, 1, size) - cx) ** 2
    imgs = torch.exp(-r2 / 6.0).unsqueeze(1)
    return TensorDataset(imgs * 2 - 1, torch.zeros(n, dtype=torch.long))


def main(args):
    torch.manual_seed(0)
    model = GAN(lr=args.lr, b1=args.b1, b2=args.b2, latent_dim=args.latent_dim, bug=args.bug)
    loader = DataLoader(blobs(512), batch_size=64, shuffle=True)
    trainer = Trainer(accelerator="cpu", devices=1, max_epochs=args.epochs, logger=False,
                      enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, loader)


if __name__ == "__main__":
    parser = ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.0002, help="adam: learning rate")
    parser.add_argument("--b1", type=float, default=0.5, help="adam: decay of first order momentum of gradient")
    parser.add_argument("--b2", type=float, default=0.999, help="adam: decay of second order momentum of gradient")
    parser.add_argument("--latent_dim", type=int, default=32, help="dimensionality of the latent space")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--bug", default="", choices=["", "d-not-zeroed", "d-step-missing", "opt-g-over-discriminator"])
    main(parser.parse_args())
