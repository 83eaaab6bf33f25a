# expect: TVL016
# style: timm/DeiT NativeScaler-style wrapper class (loss_scaler(loss, optimizer, clip_grad=..., parameters=...))
# bug: NativeScalerWithGradNorm.__call__ clips the gradients before calling self._scaler.unscale_(optimizer)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class NativeScalerWithGradNorm:
    state_dict_key = "amp_scaler"

    def __init__(self):
        self._scaler = torch.cuda.amp.GradScaler()

    def __call__(self, loss, optimizer, clip_grad=None, parameters=None):
        self._scaler.scale(loss).backward()
        norm = None
        if clip_grad is not None:
            norm = torch.nn.utils.clip_grad_norm_(parameters, clip_grad)
            self._scaler.unscale_(optimizer)
        self._scaler.step(optimizer)
        self._scaler.update()
        return norm

    def state_dict(self):
        return self._scaler.state_dict()


class PatchViT(nn.Module):
    def __init__(self, img=32, patch=4, dim=192, depth=4, num_classes=10):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, (img // patch) ** 2 + 1, dim))
        layer = nn.TransformerEncoderLayer(dim, 3, dim * 4, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.size(0), -1, -1), x], dim=1) + self.pos_embed
        return self.head(self.blocks(x)[:, 0])


def train_one_epoch(model, optimizer, loss_scaler, clip_grad, steps=100):
    model.train()
    for it in range(steps):
        samples = torch.randn(64, 3, 32, 32, device="cuda")
        targets = torch.randint(0, 10, (64,), device="cuda")
        with torch.autocast("cuda", dtype=torch.float16):
            loss = F.cross_entropy(model(samples), targets)
        optimizer.zero_grad()
        grad_norm = loss_scaler(loss, optimizer, clip_grad=clip_grad, parameters=model.parameters())
        if it % 20 == 0:
            print(f"it {it} loss {loss.item():.4f} grad_norm {grad_norm}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser("DeiT-like training")
    parser.add_argument("--clip-grad", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    model = PatchViT().cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    loss_scaler = NativeScalerWithGradNorm()
    for epoch in range(args.epochs):
        train_one_epoch(model, optimizer, loss_scaler, args.clip_grad)
