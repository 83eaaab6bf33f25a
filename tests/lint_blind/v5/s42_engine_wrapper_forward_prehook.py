# expect: TVL013
# style: DeepSpeed-like engine wrapper written by hand whose __call__ delegates to the wrapped module; input-normalisation registered as a forward pre-hook
# bug: ModelEngine.__call__ invokes self.module.forward(*inputs) directly, so the forward pre-hook registered in build_model() (input normalisation) never runs
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def build_model(n_features, n_classes, mean, std):
    model = nn.Sequential(nn.Linear(n_features, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, n_classes))

    def normalize_inputs(module, inputs):
        (x,) = inputs
        return ((x - mean) / std,)

    model.register_forward_pre_hook(normalize_inputs)
    return model


class ModelEngine:
    def __init__(self, module, optimizer, grad_clip=1.0):
        self.module, self.optimizer, self.grad_clip = module, optimizer, grad_clip

    def __call__(self, *inputs):
        return self.module.forward(*inputs)

    def train(self):
        self.module.train()

    def eval(self):
        self.module.eval()

    def backward(self, loss):
        loss.backward()

    def step(self):
        nn.utils.clip_grad_norm_(self.module.parameters(), self.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    x = torch.randn(12000, 40) * 50 + 300
    y = (x[:, 0] > 300).long()
    mean, std = x[:10000].mean(0), x[:10000].std(0)
    model = build_model(40, 2, mean, std)
    engine = ModelEngine(model, torch.optim.AdamW(model.parameters(), lr=args.lr))
    train_loader = DataLoader(TensorDataset(x[:10000], y[:10000]), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[10000:], y[10000:]), batch_size=512)
    for epoch in range(args.epochs):
        engine.train()
        for xb, yb in train_loader:
            loss = F.cross_entropy(engine(xb), yb)
            engine.backward(loss)
            engine.step()
        engine.eval()
        with torch.no_grad():
            acc = sum((engine(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 2000
        print(f"epoch {epoch}: loss {loss.item():.4f} val_acc {acc:.3f}")
