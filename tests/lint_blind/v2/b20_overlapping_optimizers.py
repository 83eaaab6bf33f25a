# expect: TVL006
# style: research code for an autoencoder + classifier with two optimizers (argparse + tqdm)
# bug: opt_enc covers model.encoder while opt_all covers model.parameters() (which includes the encoder), so the encoder is stepped twice per batch
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import trange


class SemiSupervisedAE(nn.Module):
    def __init__(self, d_in=784, d_z=32, n_cls=10):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, 256), nn.ReLU(), nn.Linear(256, d_z))
        self.decoder = nn.Sequential(nn.Linear(d_z, 256), nn.ReLU(), nn.Linear(256, d_in))
        self.classifier = nn.Linear(d_z, n_cls)

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), self.classifier(z)


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr_enc", type=float, default=1e-3)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--alpha", type=float, default=0.5)
    return ap.parse_args()


def main():
    args = parse()
    model = SemiSupervisedAE()
    opt_enc = torch.optim.Adam(model.encoder.parameters(), lr=args.lr_enc)
    opt_all = torch.optim.Adam(model.parameters(), lr=args.lr)
    ds = TensorDataset(torch.rand(2000, 784), torch.randint(0, 10, (2000,)))
    loader = DataLoader(ds, batch_size=100, shuffle=True)
    for epoch in trange(args.epochs):
        model.train()
        rec_sum = cls_sum = 0.0
        for x, y in loader:
            recon, logits = model(x)
            rec = F.mse_loss(recon, x)
            cls = F.cross_entropy(logits, y)
            loss = rec + args.alpha * cls
            opt_enc.zero_grad()
            opt_all.zero_grad()
            loss.backward()
            opt_enc.step()
            opt_all.step()
            rec_sum += rec.item()
            cls_sum += cls.item()
        print(f"epoch {epoch} rec {rec_sum / len(loader):.4f} cls {cls_sum / len(loader):.4f}")


if __name__ == "__main__":
    main()
