# expect: clean
# style: classic torch.cuda.amp recipe (PyTorch AMP docs gradient-clipping example) inside a Tacotron-like mel postnet trainer
# note: scaler.unscale_(optimizer) comes before clip_grad_norm_, then scaler.step and scaler.update every iteration
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.cuda.amp import GradScaler, autocast
from torch.utils.data import DataLoader, TensorDataset


class PostNet(nn.Module):
    def __init__(self, n_mels=80, ch=512, k=5, n_layers=5):
        super().__init__()
        layers, c_in = [], n_mels
        for i in range(n_layers):
            c_out = n_mels if i == n_layers - 1 else ch
            layers += [nn.Conv1d(c_in, c_out, k, padding=k // 2), nn.BatchNorm1d(c_out)]
            if i < n_layers - 1:
                layers += [nn.Tanh(), nn.Dropout(0.5)]
            c_in = c_out
        self.net = nn.Sequential(*layers)

    def forward(self, mel):
        return mel + self.net(mel)


class MelRefiner(nn.Module):
    def __init__(self, n_mels=80):
        super().__init__()
        self.pre = nn.Sequential(nn.Conv1d(n_mels, 256, 3, padding=1), nn.ReLU(), nn.Conv1d(256, n_mels, 3, padding=1))
        self.postnet = PostNet(n_mels)

    def forward(self, coarse):
        before = coarse + self.pre(coarse)
        return before, self.postnet(before)


def train(args):
    device = "cuda"
    coarse, target = torch.randn(512, 80, 200), torch.randn(512, 80, 200)
    loader = DataLoader(TensorDataset(coarse, target), batch_size=16, shuffle=True, pin_memory=True)
    model = MelRefiner().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-6)
    scaler = GradScaler()
    for epoch in range(args.epochs):
        model.train()
        for i, (x, y) in enumerate(loader):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad(set_to_none=True)
            with autocast():
                before, after = model(x)
                loss = F.mse_loss(before, y) + F.mse_loss(after, y)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            if i % 10 == 0:
                print(f"epoch {epoch} it {i} loss {loss.item():.4f} grad_norm {grad_norm.item():.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--grad_clip", type=float, default=1.0)
    train(ap.parse_args())
