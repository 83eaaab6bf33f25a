# expect: TVL005
# style: speech enhancement research model with a hand-written RMSNorm / learnable gain
# bug: RMSNorm.weight and the mask estimator's gain are plain tensors with requires_grad=True instead of nn.Parameter, so they never reach the optimizer or the state_dict
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("enh")


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = torch.ones(dim, requires_grad=True)

    def forward(self, x):
        rms = x.pow(2).mean(-1, keepdim=True).add(self.eps).rsqrt()
        return x * rms * self.weight.to(x.device)


class MaskEstimator(nn.Module):
    """Predicts a magnitude mask from the noisy log-spectrogram."""

    def __init__(self, n_freq=257, hidden=256):
        super().__init__()
        self.inp = nn.Linear(n_freq, hidden)
        self.norm = RMSNorm(hidden)
        self.gru = nn.GRU(hidden, hidden, num_layers=2, batch_first=True)
        self.out = nn.Linear(hidden, n_freq)
        self.gain = torch.tensor(1.0, requires_grad=True)

    def forward(self, logmag):
        h = self.norm(torch.relu(self.inp(logmag)))
        h, _ = self.gru(h)
        return torch.sigmoid(self.gain.to(h.device) * self.out(h))


class NoisyPairs(Dataset):
    def __init__(self, n, frames=200, n_freq=257):
        self.clean = torch.rand(n, frames, n_freq)
        self.noise = torch.rand(n, frames, n_freq) * 0.5

    def __len__(self):
        return self.clean.size(0)

    def __getitem__(self, i):
        noisy = self.clean[i] + self.noise[i]
        return noisy, self.clean[i]


def spectral_loss(est, clean):
    return (est - clean).abs().mean() + 0.1 * ((est + 1e-5).log() - (clean + 1e-5).log()).abs().mean()


def train(args):
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = MaskEstimator().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    train_dl = DataLoader(NoisyPairs(512), batch_size=args.bs, shuffle=True)
    val_dl = DataLoader(NoisyPairs(64), batch_size=args.bs)
    for epoch in range(args.epochs):
        model.train()
        tr = []
        for noisy, clean in train_dl:
            noisy, clean = noisy.to(dev), clean.to(dev)
            mask = model(torch.log1p(noisy))
            loss = spectral_loss(mask * noisy, clean)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tr.append(loss.item())
        model.eval()
        with torch.no_grad():
            va = [spectral_loss(model(torch.log1p(n.to(dev))) * n.to(dev), c.to(dev)).item() for n, c in val_dl]
        log.info("epoch %d train %.4f val %.4f", epoch, sum(tr) / len(tr), sum(va) / len(va))
        torch.save(model.state_dict(), f"{args.out}/enh_ep{epoch}.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default=".")
    train(ap.parse_args())
