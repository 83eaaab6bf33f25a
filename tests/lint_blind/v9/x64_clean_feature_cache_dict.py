# expect: clean
# style: perceptual-loss style transfer with a frozen feature extractor, activation cache dict and ParameterList
# note: self.cache is a plain dict, but it only holds activations captured by hooks (not sub-modules or parameters); the learnable per-layer weights use nn.ParameterList and the blocks nn.ModuleDict.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class FeatureExtractor(nn.Module):
    """Small frozen VGG stand-in that records intermediate activations."""

    def __init__(self, layers=("relu1", "relu2", "relu3")):
        super().__init__()
        self.blocks = nn.ModuleDict({
            "relu1": nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU()),
            "relu2": nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU()),
            "relu3": nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(64, 128, 3, padding=1), nn.ReLU()),
        })
        self.layers = list(layers)
        self.cache = {}
        for name in self.layers:
            self.blocks[name].register_forward_hook(self._save(name))
        for p in self.parameters():
            p.requires_grad_(False)

    def _save(self, name):
        def hook(module, inp, out):
            self.cache[name] = out
        return hook

    def forward(self, x):
        self.cache = {}
        for name in self.blocks:
            x = self.blocks[name](x)
        return [self.cache[n] for n in self.layers]


class LayerWeightedLoss(nn.Module):
    def __init__(self, n_layers):
        super().__init__()
        self.log_w = nn.ParameterList([nn.Parameter(torch.zeros(())) for _ in range(n_layers)])

    def forward(self, feats_a, feats_b):
        total = 0.0
        for lw, fa, fb in zip(self.log_w, feats_a, feats_b):
            total = total + torch.exp(-lw) * F.mse_loss(fa, fb) + lw
        return total


class TransformNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 32, 9, padding=4), nn.InstanceNorm2d(32, affine=True), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.InstanceNorm2d(32, affine=True), nn.ReLU(),
            nn.Conv2d(32, 3, 9, padding=4),
        )

    def forward(self, x):
        return torch.sigmoid(self.net(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    extractor = FeatureExtractor().eval()
    net = TransformNet()
    crit = LayerWeightedLoss(len(extractor.layers))
    opt = torch.optim.Adam(list(net.parameters()) + list(crit.parameters()), lr=args.lr)
    dl = DataLoader(TensorDataset(torch.rand(800, 3, 64, 64)), batch_size=16, shuffle=True)
    for epoch in range(args.epochs):
        net.train()
        tot = 0.0
        for (x,) in dl:
            out = net(x)
            with torch.no_grad():
                target_feats = extractor(x)
            loss = crit(extractor(out), target_feats) + 1e-4 * (out[..., 1:, :] - out[..., :-1, :]).abs().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} loss {tot / len(dl):.4f} weights {[round(w.item(), 3) for w in crit.log_w]}")
    torch.save(net.state_dict(), "transform_net.pt")


if __name__ == "__main__":
    main()
