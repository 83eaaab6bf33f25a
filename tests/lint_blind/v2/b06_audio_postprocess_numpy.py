# expect: TVL002
# style: torchaudio speech-enhancement recipe (spectral masking)
# bug: helper postprocess() returns out.detach().cpu().numpy(); the loss is computed on torch.from_numpy of that, cutting the graph
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class NoisySpeech(Dataset):
    def __init__(self, n=400, frames=128, bins=257):
        self.clean = torch.rand(n, frames, bins)
        self.noisy = self.clean + 0.3 * torch.rand(n, frames, bins)

    def __len__(self):
        return len(self.clean)

    def __getitem__(self, i):
        return self.noisy[i], self.clean[i]


class MaskEstimator(nn.Module):
    def __init__(self, bins=257, hidden=256):
        super().__init__()
        self.rnn = nn.LSTM(bins, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, bins)

    def forward(self, mag):
        h, _ = self.rnn(torch.log1p(mag))
        return torch.sigmoid(self.fc(h))


def postprocess(mask, noisy_mag):
    """Apply the mask and move to numpy (floor at a small value like the reference recipe)."""
    est = (mask * noisy_mag).clamp(min=1e-5)
    return est.detach().cpu().numpy()


def train_epoch(model, loader, optimizer, device):
    model.train()
    total = 0.0
    for noisy, clean in loader:
        noisy, clean = noisy.to(device), clean.to(device)
        mask = model(noisy)
        enhanced = torch.from_numpy(postprocess(mask, noisy)).to(device).requires_grad_()
        loss = F.l1_loss(torch.log1p(enhanced), torch.log1p(clean))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def main():
    parser = argparse.ArgumentParser(description="mask-based enhancement")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = MaskEstimator().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(NoisySpeech(), batch_size=8, shuffle=True, num_workers=2)
    for epoch in range(args.epochs):
        print(f"[epoch {epoch}] l1={train_epoch(model, loader, optimizer, device):.4f}")


if __name__ == "__main__":
    main()
