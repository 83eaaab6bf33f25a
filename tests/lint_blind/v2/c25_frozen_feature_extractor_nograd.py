# expect: clean
# style: torchaudio pretrained-feature (wav2vec-like) frozen upstream + small downstream head (SUPERB-style)
# note: upstream runs under torch.no_grad() in forward, but its params are frozen and only model.downstream is optimized
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Upstream(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(1, dim, 10, 5), nn.GELU(), nn.Conv1d(dim, dim, 8, 4), nn.GELU())

    def forward(self, wav):
        return self.conv(wav).transpose(1, 2)


class DownstreamExpert(nn.Module):
    def __init__(self, upstream, dim=256, n_cls=12):
        super().__init__()
        self.upstream = upstream.eval().requires_grad_(False)
        self.downstream = nn.Sequential(nn.Linear(dim, 128), nn.ReLU(), nn.Linear(128, n_cls))

    def train(self, mode=True):
        super().train(mode)
        self.upstream.eval()
        return self

    def forward(self, wav):
        with torch.no_grad():
            feats = self.upstream(wav)
        return self.downstream(feats.mean(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--total_steps", type=int, default=200)
    ap.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args()
    model = DownstreamExpert(Upstream())
    optimizer = torch.optim.Adam(model.downstream.parameters(), lr=args.lr)
    loader = DataLoader(TensorDataset(torch.randn(128, 1, 16000), torch.randint(0, 12, (128,))),
                        batch_size=8, shuffle=True)
    step = 0
    while step < args.total_steps:
        model.train()
        for wav, y in loader:
            loss = F.cross_entropy(model(wav), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step % 20 == 0:
                print(f"step {step} loss {loss.item():.4f}")
            if step >= args.total_steps:
                break


if __name__ == "__main__":
    main()
