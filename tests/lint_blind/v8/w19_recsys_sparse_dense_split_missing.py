# expect: TVL006
# style: recommender (NCF-style) with SparseAdam for embeddings and Adam for the MLP, parameter split in a helper
# bug: split_params() routes *_emb to SparseAdam and names containing 'mlp' to Adam, so the user/item bias embeddings and the final `predict` layer get gradients every step but belong to no optimizer
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Interactions(Dataset):
    def __init__(self, n_users, n_items, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.u = torch.randint(0, n_users, (n,), generator=g)
        self.i = torch.randint(0, n_items, (n,), generator=g)
        self.r = (torch.rand(n, generator=g) < 0.3).float()

    def __len__(self):
        return len(self.r)

    def __getitem__(self, k):
        return self.u[k], self.i[k], self.r[k]


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, dim=32, mlp=(64, 32, 16)):
        super().__init__()
        self.user_emb = nn.Embedding(n_users, dim, sparse=True)
        self.item_emb = nn.Embedding(n_items, dim, sparse=True)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        layers, prev = [], 2 * dim
        for h in mlp:
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        self.mlp = nn.Sequential(*layers)
        self.predict = nn.Linear(prev + dim, 1)
        nn.init.normal_(self.user_emb.weight, std=0.01)
        nn.init.normal_(self.item_emb.weight, std=0.01)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)

    def forward(self, u, i):
        pu, qi = self.user_emb(u), self.item_emb(i)
        gmf = pu * qi
        deep = self.mlp(torch.cat([pu, qi], -1))
        logit = self.predict(torch.cat([gmf, deep], -1)).squeeze(-1)
        return logit + self.user_bias(u).squeeze(-1) + self.item_bias(i).squeeze(-1)


def split_params(model):
    sparse, dense = [], []
    for name, p in model.named_parameters():
        if name.endswith("_emb.weight"):
            sparse.append(p)
        elif "mlp" in name:
            dense.append(p)
    return sparse, dense


def build_optimizers(model, args):
    sparse, dense = split_params(model)
    return [torch.optim.SparseAdam(sparse, lr=args.lr),
            torch.optim.Adam(dense, lr=args.lr, weight_decay=args.wd)]


@torch.no_grad()
def hit_rate(model, loader):
    model.eval()
    hits = tot = 0
    for u, i, r in loader:
        pred = (torch.sigmoid(model(u, i)) > 0.5).float()
        hits += (pred == r).sum().item()
        tot += r.numel()
    return hits / tot


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=6040)
    ap.add_argument("--items", type=int, default=3706)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=1e-6)
    ap.add_argument("--bs", type=int, default=1024)
    args = ap.parse_args()

    train_loader = DataLoader(Interactions(args.users, args.items, 200_000), batch_size=args.bs, shuffle=True)
    test_loader = DataLoader(Interactions(args.users, args.items, 20_000, seed=7), batch_size=4096)
    model = NeuMF(args.users, args.items)
    optimizers = build_optimizers(model, args)

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for u, i, r in train_loader:
            for opt in optimizers:
                opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(u, i), r)
            loss.backward()
            for opt in optimizers:
                opt.step()
            total += loss.item() * r.size(0)
        acc = hit_rate(model, test_loader)
        print(f"epoch {epoch} logloss {total / len(train_loader.dataset):.4f} acc@0.5 {acc:.4f}")
    torch.save(model.state_dict(), "neumf.pt")


if __name__ == "__main__":
    main()
