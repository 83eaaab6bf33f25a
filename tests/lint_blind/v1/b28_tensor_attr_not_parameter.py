# expect: TVL005
# style: GitHub "from scratch" LayerNorm/RMSNorm + temperature-scaled classifier implementation
# bug: RMSNorm.weight and CosineClassifier.scale are torch tensors with requires_grad=True, not nn.Parameter
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = torch.ones(dim, requires_grad=True)

    def forward(self, x):
        rms = x.pow(2).mean(-1, keepdim=True).add(self.eps).rsqrt()
        return x * rms * self.weight


class CosineClassifier(nn.Module):
    def __init__(self, in_dim, n_classes):
        super().__init__()
        self.norm = RMSNorm(in_dim)
        self.proj = nn.Linear(in_dim, n_classes, bias=False)
        self.scale = torch.tensor(10.0, requires_grad=True)

    def forward(self, x):
        x = F.normalize(self.norm(x), dim=-1)
        w = F.normalize(self.proj.weight, dim=-1)
        return self.scale * x @ w.t()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--classes", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()

    x = torch.randn(3000, args.dim)
    y = torch.randint(0, args.classes, (3000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=100, shuffle=True)
    model = CosineClassifier(args.dim, args.classes)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(args.epochs):
        model.train()
        run = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            run += loss.item()
        print(f"epoch {epoch}: loss {run / len(loader):.4f}")


if __name__ == "__main__":
    main()
