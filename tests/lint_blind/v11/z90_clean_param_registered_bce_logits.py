# expect: clean
# style: factorization-machine CTR model with hand-made parameters; sigmoid used for logged probabilities only
# note: weights are created with torch.randn/zeros (looks like TVL005) and sigmoid appears next to the loss (looks like TVL008), but the tensors are wrapped in nn.Parameter and the BCEWithLogitsLoss receives raw logits
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset


class FactorizationMachine(nn.Module):
    def __init__(self, field_dims, k=16):
        super().__init__()
        n = int(sum(field_dims))
        self.register_buffer("offsets", torch.tensor(np.concatenate([[0], np.cumsum(field_dims)[:-1]]), dtype=torch.long))
        self.bias = nn.Parameter(torch.zeros(1))
        self.w = nn.Parameter(torch.zeros(n))
        self.V = nn.Parameter(torch.randn(n, k) * 0.01)

    def forward(self, x):
        idx = x + self.offsets
        linear = self.bias + self.w[idx].sum(1)
        v = self.V[idx]
        inter = 0.5 * ((v.sum(1) ** 2) - (v ** 2).sum(1)).sum(1)
        return linear + inter


def synth(field_dims, n=50000, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.stack([torch.randint(0, d, (n,), generator=g) for d in field_dims], 1)
    y = ((x[:, 0] % 3 == 0) & (x[:, 2] % 2 == 1)).float()
    return x, y


def main():
    field_dims = [50, 200, 30, 12]
    x, y = synth(field_dims)
    tr = DataLoader(TensorDataset(x[:40000], y[:40000]), batch_size=1024, shuffle=True)
    va = DataLoader(TensorDataset(x[40000:], y[40000:]), batch_size=4096)
    model = FactorizationMachine(field_dims)
    crit = nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=1e-6)
    for ep in range(6):
        model.train()
        tot = 0.0
        for xb, yb in tr:
            logits = model(xb)
            loss = crit(logits, yb)
            probs = torch.sigmoid(logits.detach())
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            p = torch.cat([torch.sigmoid(model(xb)) for xb, _ in va]).numpy()
        auc = roc_auc_score(y[40000:].numpy(), p)
        print(f"epoch {ep} loss {tot/len(tr):.4f} last-batch mean p {probs.mean().item():.3f} val AUC {auc:.4f}")


if __name__ == "__main__":
    main()
