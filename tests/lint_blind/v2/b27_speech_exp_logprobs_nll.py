# expect: TVL008
# style: Kaldi-style frame-level phone classifier (TDNN) trained from a PyTorch recipe script
# bug: the recipe exponentiates log-probabilities (torch.exp(log_probs)) and passes those probabilities to F.nll_loss
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TDNN(nn.Module):
    def __init__(self, feat_dim=40, num_pdfs=200, hidden=256):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv1d(feat_dim, hidden, 5, padding=2), nn.ReLU(), nn.BatchNorm1d(hidden),
            nn.Conv1d(hidden, hidden, 3, dilation=2, padding=2), nn.ReLU(), nn.BatchNorm1d(hidden),
            nn.Conv1d(hidden, hidden, 3, dilation=3, padding=3), nn.ReLU(), nn.BatchNorm1d(hidden))
        self.output = nn.Conv1d(hidden, num_pdfs, 1)

    def forward(self, feats):
        return F.log_softmax(self.output(self.layers(feats)), dim=1)


def compute_objf(model, feats, ali):
    log_probs = model(feats)
    posteriors = torch.exp(log_probs)
    objf = F.nll_loss(posteriors, ali)
    with torch.no_grad():
        frame_acc = (log_probs.argmax(1) == ali).float().mean()
    return objf, frame_acc


def main():
    parser = argparse.ArgumentParser(description="train TDNN acoustic model")
    parser.add_argument("--num-epochs", type=int, default=4)
    parser.add_argument("--initial-lr", type=float, default=1e-3)
    parser.add_argument("--minibatch-size", type=int, default=16)
    args = parser.parse_args()
    feats = torch.randn(256, 40, 150)
    ali = torch.randint(0, 200, (256, 150))
    loader = DataLoader(TensorDataset(feats, ali), batch_size=args.minibatch_size, shuffle=True)
    model = TDNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.initial_lr)
    for epoch in range(args.num_epochs):
        model.train()
        for it, (x, a) in enumerate(loader):
            objf, acc = compute_objf(model, x, a)
            optimizer.zero_grad()
            objf.backward()
            optimizer.step()
            if it % 4 == 0:
                print(f"LOG epoch {epoch} iter {it} objf {objf.item():.4f} frame-acc {acc.item():.3f}")


if __name__ == "__main__":
    main()
