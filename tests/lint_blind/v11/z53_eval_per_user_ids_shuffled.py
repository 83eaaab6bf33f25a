# expect: TVL017
# style: recommender evaluation helper; per-user NDCG computed by zipping predictions with the dataset's user id array
# bug: the eval loader is built with shuffle=True and `evaluate` pairs the concatenated scores with `eval_ds.user_ids` in dataset order, so scores are attributed to the wrong users
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class InteractionDataset(Dataset):
    def __init__(self, n_users, n_items, n, seed):
        rng = np.random.default_rng(seed)
        self.user_ids = rng.integers(0, n_users, n)
        self.item_ids = rng.integers(0, n_items, n)
        self.labels = ((self.user_ids * 31 + self.item_ids) % 5 == 0).astype(np.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.user_ids[i], self.item_ids[i], self.labels[i]


class MF(nn.Module):
    def __init__(self, n_users, n_items, dim=32):
        super().__init__()
        self.U = nn.Embedding(n_users, dim)
        self.I = nn.Embedding(n_items, dim)
        self.ub = nn.Embedding(n_users, 1)
        self.ib = nn.Embedding(n_items, 1)

    def forward(self, u, i):
        return (self.U(u) * self.I(i)).sum(-1) + self.ub(u).squeeze(-1) + self.ib(i).squeeze(-1)


def loaders(n_users=800, n_items=1500):
    tr = InteractionDataset(n_users, n_items, 60000, 0)
    ev = InteractionDataset(n_users, n_items, 8000, 1)
    return tr, ev, DataLoader(tr, batch_size=1024, shuffle=True), DataLoader(ev, batch_size=1024, shuffle=True)


def ndcg_at_k(scores, labels, k=10):
    order = np.argsort(-scores)[:k]
    gains = labels[order] / np.log2(np.arange(2, len(order) + 2))
    ideal = np.sort(labels)[::-1][:k] / np.log2(np.arange(2, min(k, len(labels)) + 2))
    return gains.sum() / ideal.sum() if ideal.sum() > 0 else 0.0


@torch.no_grad()
def evaluate(model, eval_ds, eval_loader):
    model.eval()
    scores = torch.cat([model(u, i) for u, i, _ in eval_loader]).numpy()
    model.train()
    per_user = {}
    for uid, s, lab in zip(eval_ds.user_ids, scores, eval_ds.labels):
        per_user.setdefault(uid, ([], []))
        per_user[uid][0].append(s)
        per_user[uid][1].append(lab)
    vals = [ndcg_at_k(np.array(s), np.array(l)) for s, l in per_user.values() if len(s) >= 3]
    return float(np.mean(vals))


def main():
    tr_ds, ev_ds, tr_dl, ev_dl = loaders()
    model = MF(800, 1500)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=1e-6)
    for ep in range(8):
        model.train()
        for u, i, y in tr_dl:
            loss = F.binary_cross_entropy_with_logits(model(u, i), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {ep} NDCG@10 {evaluate(model, ev_ds, ev_dl):.4f}")


if __name__ == "__main__":
    main()
