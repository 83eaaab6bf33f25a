# expect: TVL016
# style: timm utils NativeScaler (loss_scaler(loss, optimizer, clip_grad=..., parameters=...)) used from a train_one_epoch
# bug: NativeScalerWithClip.__call__ clips parameters' gradients right after scale(loss).backward() and only then calls unscale_ (for logging), so clipping acts on scaled gradients
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class NativeScalerWithClip:
    state_dict_key = "amp_scaler"

    def __init__(self):
        self._scaler = torch.cuda.amp.GradScaler()

    def __call__(self, loss, optimizer, clip_grad=None, parameters=None):
        self._scaler.scale(loss).backward()
        if clip_grad is not None:
            torch.nn.utils.clip_grad_norm_(parameters, clip_grad)
        self._scaler.unscale_(optimizer)
        norm = torch.norm(torch.stack([p.grad.norm() for p in parameters if p.grad is not None]))
        self._scaler.step(optimizer)
        self._scaler.update()
        return norm

    def state_dict(self):
        return self._scaler.state_dict()


class MixerBlock(nn.Module):
    def __init__(self, tokens, dim):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.token_mlp = nn.Sequential(nn.Linear(tokens, tokens * 2), nn.GELU(), nn.Linear(tokens * 2, tokens))
        self.channel_mlp = nn.Sequential(nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim))

    def forward(self, x):
        x = x + self.token_mlp(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class MlpMixer(nn.Module):
    def __init__(self, num_classes=100, dim=128, depth=4, patch=4, img=32):
        super().__init__()
        self.stem = nn.Conv2d(3, dim, patch, patch)
        self.blocks = nn.Sequential(*[MixerBlock((img // patch) ** 2, dim) for _ in range(depth)])
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        return self.head(self.blocks(x).mean(1))


def train_one_epoch(model, loader, optimizer, loss_scaler, clip_grad, device):
    model.train()
    for i, (x, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        with torch.autocast("cuda", dtype=torch.float16):
            loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        grad_norm = loss_scaler(loss, optimizer, clip_grad=clip_grad, parameters=list(model.parameters()))
        if i % 50 == 0:
            print(f"it {i} loss {loss.item():.4f} grad_norm {grad_norm.item():.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip-grad", type=float, default=1.0)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    device = torch.device("cuda")
    model = MlpMixer().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    loader = DataLoader(TensorDataset(torch.randn(2048, 3, 32, 32), torch.randint(0, 100, (2048,))), batch_size=128, shuffle=True)
    loss_scaler = NativeScalerWithClip()
    for epoch in range(args.epochs):
        train_one_epoch(model, loader, optimizer, loss_scaler, args.clip_grad, device)
