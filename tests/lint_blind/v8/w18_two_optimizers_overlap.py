# expect: TVL006
# style: seq2seq autoencoder for anomaly detection on sensor windows, two optimizers (encoder warm LR + full model)
# bug: opt_enc covers encoder parameters and opt_all covers model.parameters() (which includes the encoder); both step every batch, so the encoder gets two updates with two sets of optimizer state
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Encoder(nn.Module):
    def __init__(self, n_feat, hidden, latent):
        super().__init__()
        self.rnn = nn.GRU(n_feat, hidden, batch_first=True)
        self.to_latent = nn.Linear(hidden, latent)

    def forward(self, x):
        _, h = self.rnn(x)
        return self.to_latent(h[-1])


class Decoder(nn.Module):
    def __init__(self, n_feat, hidden, latent, seq_len):
        super().__init__()
        self.seq_len = seq_len
        self.from_latent = nn.Linear(latent, hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_feat)

    def forward(self, z):
        h = self.from_latent(z).unsqueeze(1).repeat(1, self.seq_len, 1)
        y, _ = self.rnn(h)
        return self.out(y)


class SeqAE(nn.Module):
    def __init__(self, n_feat, hidden=64, latent=16, seq_len=50):
        super().__init__()
        self.encoder = Encoder(n_feat, hidden, latent)
        self.decoder = Decoder(n_feat, hidden, latent, seq_len)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def windows(n, seq_len, n_feat, seed):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 8 * np.pi, seq_len)
    base = np.stack([np.sin(t + rng.uniform(0, 6, size=(n, 1))) for _ in range(n_feat)], -1)
    return torch.tensor(base + 0.05 * rng.normal(size=base.shape), dtype=torch.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seq-len", type=int, default=50)
    ap.add_argument("--features", type=int, default=6)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--enc-lr", type=float, default=3e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_x = windows(4000, args.seq_len, args.features, 0)
    val_x = windows(500, args.seq_len, args.features, 1)
    train_loader = DataLoader(TensorDataset(train_x), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(val_x), batch_size=256)

    model = SeqAE(args.features, seq_len=args.seq_len).to(device)
    # encoder learns faster early on; it needs a bigger step size than the decoder
    opt_enc = torch.optim.Adam(model.encoder.parameters(), lr=args.enc_lr)
    opt_all = torch.optim.Adam(model.parameters(), lr=args.lr)
    mse = nn.MSELoss()

    for epoch in range(args.epochs):
        model.train()
        tr = 0.0
        for (xb,) in train_loader:
            xb = xb.to(device)
            opt_enc.zero_grad()
            opt_all.zero_grad()
            loss = mse(model(xb), xb)
            loss.backward()
            opt_enc.step()
            opt_all.step()
            tr += loss.item() * xb.size(0)
        model.eval()
        errs = []
        with torch.no_grad():
            for (xb,) in val_loader:
                xb = xb.to(device)
                errs.append(((model(xb) - xb) ** 2).mean(dim=(1, 2)).cpu())
        errs = torch.cat(errs)
        thr = errs.mean() + 3 * errs.std()
        print(f"epoch {epoch:02d} train_mse {tr / len(train_x):.5f} val_mse {errs.mean():.5f} thr {thr:.5f}")
    torch.save({"model": model.state_dict(), "threshold": float(thr)}, "seqae.pt")


if __name__ == "__main__":
    main()
