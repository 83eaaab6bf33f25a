# expect: TVL006
# style: transfer-learning script with argparse, ViT-like backbone fine-tuned on a small dataset
# bug: the optimizer gets only model.head parameters while the backbone is left trainable (the freeze flag defaults to False), so backbone gradients are computed every step and never applied
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("finetune")


class PatchEmbed(nn.Module):
    def __init__(self, img=64, patch=8, dim=192):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, stride=patch)
        self.n = (img // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class TinyViT(nn.Module):
    def __init__(self, n_classes, dim=192, depth=4):
        super().__init__()
        self.patch = PatchEmbed(dim=dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, self.patch.n + 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, 3, dim * 4, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def forward_features(self, x):
        x = self.patch(x)
        x = torch.cat([self.cls.expand(len(x), -1, -1), x], 1) + self.pos
        return self.norm(self.blocks(x))[:, 0]

    def forward(self, x):
        return self.head(self.forward_features(x))


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretrained", default="")
    ap.add_argument("--freeze-backbone", action="store_true")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--n-classes", type=int, default=37)
    return ap.parse_args()


def maybe_freeze(model, freeze):
    for name, p in model.named_parameters():
        if not name.startswith("head."):
            p.requires_grad = not freeze


def evaluate(model, loader, device):
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
            n += len(y)
    return correct / n


def main():
    args = parse()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = TinyViT(1000)
    if args.pretrained and os.path.exists(args.pretrained):
        state = torch.load(args.pretrained, map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=False)
    model.head = nn.Linear(model.head.in_features, args.n_classes)
    maybe_freeze(model, args.freeze_backbone)
    model.to(device)

    x = torch.randn(3000, 3, 64, 64)
    y = torch.randint(0, args.n_classes, (3000,))
    train_loader = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=128)

    optimizer = torch.optim.SGD(model.head.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    logger.info("trainable params: %d", trainable)
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        logger.info("epoch %d loss %.4f val_acc %.4f", epoch, loss.item(), evaluate(model, val_loader, device))
    torch.save(model.state_dict(), "vit_finetuned.pt")


if __name__ == "__main__":
    main()
