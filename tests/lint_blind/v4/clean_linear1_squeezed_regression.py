# expect: clean
# style: Kaggle tabular regression kernel with entity embeddings (Rossmann-style), Linear(..., 1) head
# note: the (B, 1) head output is squeezed to (B,) inside forward before F.l1_loss/mse_loss against a (B,) target; HuberLoss in validation compares (B, 1) vs y.unsqueeze(1)
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CAT_CARDS = [1115, 7, 12, 31]
N_CONT = 10


class EntityEmbeddingNet(nn.Module):
    def __init__(self, cards, n_cont, emb_dim=8, hidden=200):
        super().__init__()
        self.embs = nn.ModuleList(nn.Embedding(c, min(emb_dim, (c + 1) // 2)) for c in cards)
        d_emb = sum(e.embedding_dim for e in self.embs)
        self.bn = nn.BatchNorm1d(n_cont)
        self.mlp = nn.Sequential(nn.Linear(d_emb + n_cont, hidden), nn.ReLU(), nn.Dropout(0.1),
                                 nn.Linear(hidden, hidden // 2), nn.ReLU())
        self.out = nn.Linear(hidden // 2, 1)

    def forward(self, x_cat, x_cont, squeeze=True):
        e = torch.cat([emb(x_cat[:, i]) for i, emb in enumerate(self.embs)], dim=1)
        y = self.out(self.mlp(torch.cat([e, self.bn(x_cont)], dim=1)))
        return y.squeeze(-1) if squeeze else y


n = 20000
x_cat = torch.stack([torch.randint(0, c, (n,)) for c in CAT_CARDS], dim=1)
x_cont = torch.randn(n, N_CONT)
y = torch.from_numpy(np.log1p(np.random.gamma(5, 1000, n)).astype(np.float32))
tr, va = slice(0, 18000), slice(18000, n)
train_dl = DataLoader(TensorDataset(x_cat[tr], x_cont[tr], y[tr]), batch_size=512, shuffle=True)
valid_dl = DataLoader(TensorDataset(x_cat[va], x_cont[va], y[va]), batch_size=2048)

model = EntityEmbeddingNet(CAT_CARDS, N_CONT)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
huber = nn.HuberLoss(delta=1.0)
for epoch in range(6):
    model.train()
    for xc, xn, yb in train_dl:
        loss = F.l1_loss(model(xc, xn), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        val = np.mean([huber(model(xc, xn, squeeze=False), yb.unsqueeze(1)).item() for xc, xn, yb in valid_dl])
    print(f"epoch {epoch}: train l1 {loss.item():.4f} valid huber {val:.4f}")
