# expect: TVL016
# style: Trainer class with AMP and gradient clipping helpers, transformer encoder for tabular (FT-Transformer-lite) classification
# bug: Trainer._optimizer_step clips gradients (clip_gradients) on the still-scaled gradients and only afterwards calls scaler.unscale_(); the clip threshold is compared against grads multiplied by the loss scale
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)
logging.basicConfig(level=logging.INFO)


class FeatureTokenizer(nn.Module):
    def __init__(self, n_num, d):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_num, d) * 0.02)
        self.bias = nn.Parameter(torch.zeros(n_num, d))
        self.cls = nn.Parameter(torch.zeros(1, 1, d))

    def forward(self, x):
        tok = x.unsqueeze(-1) * self.weight + self.bias
        return torch.cat([self.cls.expand(x.size(0), -1, -1), tok], dim=1)


class FTTransformer(nn.Module):
    def __init__(self, n_num, n_classes, d=96, layers=3, heads=8):
        super().__init__()
        self.tok = FeatureTokenizer(n_num, d)
        layer = nn.TransformerEncoderLayer(d, heads, d * 4 // 3 * 2, dropout=0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Sequential(nn.LayerNorm(d), nn.ReLU(), nn.Linear(d, n_classes))

    def forward(self, x):
        return self.head(self.encoder(self.tok(x))[:, 0])


def clip_gradients(model, max_norm):
    return torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)


class Trainer:
    def __init__(self, model, lr, max_norm, device, use_amp=True):
        self.model = model.to(device)
        self.device = device
        self.max_norm = max_norm
        self.use_amp = use_amp and device == "cuda"
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-5)
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.use_amp)

    def _backward(self, loss):
        self.scaler.scale(loss).backward()

    def _optimizer_step(self):
        gnorm = clip_gradients(self.model, self.max_norm)
        self.scaler.unscale_(self.optimizer)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        return gnorm

    def train_epoch(self, loader):
        self.model.train()
        tot, gn = 0.0, 0.0
        for x, y in loader:
            x, y = x.to(self.device), y.to(self.device)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.use_amp):
                loss = F.cross_entropy(self.model(x), y)
            self._backward(loss)
            gn += float(self._optimizer_step())
            tot += loss.item()
        return tot / len(loader), gn / len(loader)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        hit = n = 0
        for x, y in loader:
            hit += (self.model(x.to(self.device)).argmax(-1).cpu() == y).sum().item()
            n += y.numel()
        return hit / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-norm", type=float, default=1.0)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    X = torch.randn(30000, 14)
    y = ((X[:, 0] * X[:, 3] + X[:, 7]) > 0).long() + (X[:, 1] > 1).long()
    train_loader = DataLoader(TensorDataset(X[:25000], y[:25000]), batch_size=256, shuffle=True)
    val_loader = DataLoader(TensorDataset(X[25000:], y[25000:]), batch_size=1024)
    trainer = Trainer(FTTransformer(14, 3), args.lr, args.max_norm, device)
    for epoch in range(args.epochs):
        loss, gn = trainer.train_epoch(train_loader)
        logger.info("epoch %d loss %.4f grad_norm %.3f val_acc %.4f", epoch, loss, gn, trainer.evaluate(val_loader))
    torch.save(trainer.model.state_dict(), "ft_transformer.pt")


if __name__ == "__main__":
    main()
