# expect: clean
# style: conditional GAN with separate d_step/g_step helpers, fashion-item images
# note: the fake batch is .detach()ed inside d_step only; g_step receives the non-detached generator output, so the generator's loss still reaches G (the two optimizers cover disjoint networks)
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

N_CLASSES, NZ = 10, 100


class CondGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(N_CLASSES, N_CLASSES)
        self.net = nn.Sequential(
            nn.Linear(NZ + N_CLASSES, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, 512), nn.BatchNorm1d(512), nn.LeakyReLU(0.2),
            nn.Linear(512, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2),
            nn.Linear(1024, 784), nn.Tanh())

    def forward(self, z, labels):
        return self.net(torch.cat([z, self.label_emb(labels)], 1)).view(-1, 1, 28, 28)


class CondDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.label_emb = nn.Embedding(N_CLASSES, N_CLASSES)
        self.net = nn.Sequential(
            nn.Linear(784 + N_CLASSES, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(256, 1))

    def forward(self, img, labels):
        return self.net(torch.cat([img.flatten(1), self.label_emb(labels)], 1)).squeeze(1)


def d_step(D, opt_d, real, real_y, fake, fake_y):
    opt_d.zero_grad()
    real_logit = D(real, real_y)
    fake_logit = D(fake.detach(), fake_y)
    loss = (F.binary_cross_entropy_with_logits(real_logit, torch.full_like(real_logit, 0.9))
            + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit)))
    loss.backward()
    opt_d.step()
    return loss.item(), torch.sigmoid(real_logit).mean().item()


def g_step(D, opt_g, fake, fake_y):
    opt_g.zero_grad()
    logit = D(fake, fake_y)
    loss = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))
    loss.backward()
    opt_g.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--out", default="cgan_out")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    imgs = torch.rand(10000, 1, 28, 28) * 2 - 1
    labels = torch.randint(0, N_CLASSES, (10000,))
    loader = DataLoader(TensorDataset(imgs, labels), batch_size=args.bs, shuffle=True, drop_last=True)

    G, D = CondGenerator().to(device), CondDiscriminator().to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    fixed_z = torch.randn(N_CLASSES * 8, NZ, device=device)
    fixed_y = torch.arange(N_CLASSES, device=device).repeat_interleave(8)

    for epoch in range(args.epochs):
        G.train()
        D.train()
        d_hist, g_hist = [], []
        for real, real_y in loader:
            real, real_y = real.to(device), real_y.to(device)
            z = torch.randn(real.size(0), NZ, device=device)
            fake_y = torch.randint(0, N_CLASSES, (real.size(0),), device=device)
            fake = G(z, fake_y)
            d_loss, d_x = d_step(D, opt_d, real, real_y, fake, fake_y)
            g_loss = g_step(D, opt_g, fake, fake_y)
            d_hist.append(d_loss)
            g_hist.append(g_loss)
        print(f"epoch {epoch} D {sum(d_hist) / len(d_hist):.3f} G {sum(g_hist) / len(g_hist):.3f} D(x) {d_x:.2f}")
        G.eval()
        with torch.no_grad():
            grid = G(fixed_z, fixed_y).cpu()
        torch.save(grid, os.path.join(args.out, f"grid_{epoch:03d}.pt"))
    torch.save({"G": G.state_dict(), "D": D.state_dict()}, os.path.join(args.out, "cgan.pt"))


if __name__ == "__main__":
    main()
