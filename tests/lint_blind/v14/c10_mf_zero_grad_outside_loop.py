# expect: TVL003
# style: recommender matrix factorisation, Kaggle-style kernel
# bug: optimizer.zero_grad() is called once before the epoch loop, so gradients accumulate over every batch of training
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

N_USERS, N_ITEMS = 2000, 1500
rng = np.random.default_rng(42)
ratings = pd.DataFrame({
    "user_id": rng.integers(0, N_USERS, 100_000),
    "item_id": rng.integers(0, N_ITEMS, 100_000),
    "rating": rng.integers(1, 6, 100_000).astype(np.float32),
})
ratings = ratings.drop_duplicates(["user_id", "item_id"]).reset_index(drop=True)
msk = rng.random(len(ratings)) < 0.9
train_df, valid_df = ratings[msk], ratings[~msk]
print(train_df.shape, valid_df.shape)


class RatingsDS(Dataset):
    def __init__(self, df):
        self.u = torch.tensor(df.user_id.values, dtype=torch.long)
        self.i = torch.tensor(df.item_id.values, dtype=torch.long)
        self.r = torch.tensor(df.rating.values, dtype=torch.float32)

    def __len__(self):
        return len(self.r)

    def __getitem__(self, k):
        return self.u[k], self.i[k], self.r[k]


class BiasedMF(nn.Module):
    def __init__(self, n_users, n_items, k=32, y_range=(0.5, 5.5)):
        super().__init__()
        self.user_f = nn.Embedding(n_users, k)
        self.item_f = nn.Embedding(n_items, k)
        self.user_b = nn.Embedding(n_users, 1)
        self.item_b = nn.Embedding(n_items, 1)
        self.y_range = y_range
        for e in (self.user_f, self.item_f):
            nn.init.normal_(e.weight, 0, 0.01)
        nn.init.zeros_(self.user_b.weight)
        nn.init.zeros_(self.item_b.weight)

    def forward(self, u, i):
        dot = (self.user_f(u) * self.item_f(i)).sum(1)
        res = dot + self.user_b(u).squeeze(1) + self.item_b(i).squeeze(1)
        lo, hi = self.y_range
        return torch.sigmoid(res) * (hi - lo) + lo


train_dl = DataLoader(RatingsDS(train_df), batch_size=1024, shuffle=True)
valid_dl = DataLoader(RatingsDS(valid_df), batch_size=4096)

model = BiasedMF(N_USERS, N_ITEMS)
opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=1e-5)
loss_func = nn.MSELoss()


def rmse(model, dl):
    model.eval()
    se, n = 0.0, 0
    with torch.no_grad():
        for u, i, r in dl:
            se += ((model(u, i) - r) ** 2).sum().item()
            n += len(r)
    model.train()
    return (se / n) ** 0.5


opt.zero_grad()
for epoch in range(10):
    model.train()
    tot, cnt = 0.0, 0
    for u, i, r in train_dl:
        preds = model(u, i)
        loss = loss_func(preds, r)
        loss.backward()
        opt.step()
        tot += loss.item() * len(r)
        cnt += len(r)
    print(f"epoch {epoch}: train_mse={tot / cnt:.4f} valid_rmse={rmse(model, valid_dl):.4f}")

emb = model.item_f.weight.detach().numpy()
top = np.argsort(-np.linalg.norm(emb, axis=1))[:10]
print("items with largest factors:", top.tolist())
