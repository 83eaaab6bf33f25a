# expect: TVL005
# style: SimCLR reimplementation (ResNet encoder, projection head, NT-Xent loss, argparse + tqdm)
# bug: the "learnable" temperature is a plain tensor with requires_grad=True on the module instead of nn.Parameter, so it is not in model.parameters() and the optimizer never updates it
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class SimCLR(nn.Module):
    def __init__(self, out_dim=128, init_temperature=0.1):
        super().__init__()
        backbone = torchvision.models.resnet18(num_classes=out_dim)
        dim_mlp = backbone.fc.in_features
        backbone.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), backbone.fc)
        self.backbone = backbone
        self.log_temperature = torch.tensor(init_temperature).log().requires_grad_(True)

    def forward(self, x):
        return F.normalize(self.backbone(x), dim=1)

    def info_nce_loss(self, features, batch_size):
        labels = torch.cat([torch.arange(batch_size) for _ in range(2)], dim=0)
        labels = (labels.unsqueeze(0) == labels.unsqueeze(1)).float().to(features.device)
        sim = features @ features.T
        mask = torch.eye(labels.shape[0], dtype=torch.bool, device=features.device)
        labels = labels[~mask].view(labels.shape[0], -1)
        sim = sim[~mask].view(sim.shape[0], -1)
        positives = sim[labels.bool()].view(labels.shape[0], -1)
        negatives = sim[~labels.bool()].view(sim.shape[0], -1)
        logits = torch.cat([positives, negatives], dim=1) / self.log_temperature.exp()
        targets = torch.zeros(logits.shape[0], dtype=torch.long, device=features.device)
        return F.cross_entropy(logits, targets)


def augment(x):
    flip = torch.rand(x.size(0), 1, 1, 1) < 0.5
    x = torch.where(flip, x.flip(-1), x)
    return x + 0.05 * torch.randn_like(x)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="PyTorch SimCLR")
    parser.add_argument("--epochs", default=100, type=int)
    parser.add_argument("--batch-size", default=256, type=int)
    parser.add_argument("--lr", default=3e-4, type=float)
    args = parser.parse_args()
    model = SimCLR()
    optimizer = torch.optim.Adam(model.parameters(), args.lr, weight_decay=1e-4)
    loader = DataLoader(TensorDataset(torch.randn(2048, 3, 32, 32)), batch_size=args.batch_size, shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        model.train()
        for (images,) in tqdm(loader):
            views = torch.cat([augment(images), augment(images)], dim=0)
            loss = model.info_nce_loss(model(views), args.batch_size)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"Epoch: {epoch}\tLoss: {loss.item():.4f}\tT: {model.log_temperature.exp().item():.4f}")
