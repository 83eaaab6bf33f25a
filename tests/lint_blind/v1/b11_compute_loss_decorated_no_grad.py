# expect: TVL001
# style: Lightning-free "research repo" trainer with a LossComputer helper class (SimCLR-like contrastive)
# bug: ContrastiveLoss.__call__ is decorated @torch.no_grad() and runs the model inside it; the loss returned has no graph
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class ProjectionNet(nn.Module):
    def __init__(self, in_dim=512, proj_dim=128):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(in_dim, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Linear(512, 512))
        self.projector = nn.Sequential(nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, proj_dim))

    def forward(self, x):
        return self.projector(self.backbone(x))


class ContrastiveLoss:
    def __init__(self, model, temperature=0.5):
        self.model = model
        self.temperature = temperature

    @torch.no_grad()
    def __call__(self, view1, view2):
        z1 = F.normalize(self.model(view1), dim=1)
        z2 = F.normalize(self.model(view2), dim=1)
        z = torch.cat([z1, z2], dim=0)
        sim = z @ z.t() / self.temperature
        sim.fill_diagonal_(float("-inf"))
        n = z1.size(0)
        targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
        return F.cross_entropy(sim, targets)


def augment(x):
    return x + 0.1 * torch.randn_like(x)


def train(args):
    model = ProjectionNet()
    criterion = ContrastiveLoss(model, args.temperature)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-6)
    for epoch in range(args.epochs):
        model.train()
        epoch_loss = 0.0
        for it in range(args.iters):
            x = torch.randn(args.batch_size, 512)
            loss = criterion(augment(x), augment(x))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        print(f"epoch {epoch}: nt-xent {epoch_loss / args.iters:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--iters", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.3)
    parser.add_argument("--temperature", type=float, default=0.5)
    train(parser.parse_args())
