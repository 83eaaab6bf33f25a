# expect: clean
# style: SimSiam (facebookresearch/simsiam-like) with stop-gradient on the projector output
# note: z.detach() is the intended stop-gradient on ONE side of each term; the predictor output p keeps the graph, so the loss still reaches the encoder
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SimSiam(nn.Module):
    def __init__(self, dim=512, pred_dim=128):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                     nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, dim),
                                     nn.BatchNorm1d(dim), nn.ReLU(), nn.Linear(dim, dim), nn.BatchNorm1d(dim, affine=False))
        self.predictor = nn.Sequential(nn.Linear(dim, pred_dim, bias=False), nn.BatchNorm1d(pred_dim), nn.ReLU(),
                                       nn.Linear(pred_dim, dim))

    def forward(self, x1, x2):
        z1, z2 = self.encoder(x1), self.encoder(x2)
        p1, p2 = self.predictor(z1), self.predictor(z2)
        return p1, p2, z1.detach(), z2.detach()


def train(loader, model, criterion, optimizer, epoch):
    model.train()
    for i, (images,) in enumerate(loader):
        x1, x2 = images + 0.1 * torch.randn_like(images), images.flip(-1)
        p1, p2, z1, z2 = model(x1, x2)
        loss = -(criterion(p1, z2).mean() + criterion(p2, z1).mean()) * 0.5
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % 10 == 0:
            print(f"Epoch: [{epoch}][{i}/{len(loader)}] Loss {loss.item():.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="SimSiam pre-training")
    parser.add_argument("--epochs", default=100, type=int)
    parser.add_argument("--lr", default=0.05, type=float)
    parser.add_argument("--fix-pred-lr", action="store_true")
    args = parser.parse_args()
    model = SimSiam()
    if args.fix_pred_lr:
        optim_params = [{"params": model.encoder.parameters(), "fix_lr": False},
                        {"params": model.predictor.parameters(), "fix_lr": True}]
    else:
        optim_params = model.parameters()
    optimizer = torch.optim.SGD(optim_params, args.lr, momentum=0.9, weight_decay=1e-4)
    loader = DataLoader(TensorDataset(torch.rand(1024, 3, 32, 32)), batch_size=256, shuffle=True, drop_last=True)
    criterion = nn.CosineSimilarity(dim=1)
    for epoch in range(args.epochs):
        train(loader, model, criterion, optimizer, epoch)
