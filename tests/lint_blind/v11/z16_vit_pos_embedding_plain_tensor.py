# expect: TVL005
# style: research ViT implementation; learned positional embedding and cls token created as plain tensors
# bug: `cls_token` and `pos_embed` are plain tensors with requires_grad=True assigned as attributes (not nn.Parameter), so they are not in model.parameters() and are never updated (nor saved in the state_dict)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PatchEmbed(nn.Module):
    def __init__(self, img=32, patch=4, dim=128):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, stride=patch)
        self.n = (img // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    def __init__(self, dim=128, depth=4, heads=4, n_cls=10):
        super().__init__()
        self.patch = PatchEmbed(dim=dim)
        self.cls_token = torch.zeros(1, 1, dim, requires_grad=True)
        self.pos_embed = torch.randn(1, self.patch.n + 1, dim, requires_grad=True) * 0.02
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 4, dropout=0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_cls)

    def forward(self, x):
        x = self.patch(x)
        cls = self.cls_token.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos_embed
        x = self.blocks(x)
        return self.head(self.norm(x[:, 0]))


def param_groups(model, wd):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "norm" in n else decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--wd", type=float, default=0.05)
    args = ap.parse_args()
    model = ViT()
    opt = torch.optim.AdamW(param_groups(model, args.wd), lr=args.lr)
    ds = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in loader:
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} loss {tot / len(loader):.4f}")
    torch.save(model.state_dict(), "vit.pt")


if __name__ == "__main__":
    main()
