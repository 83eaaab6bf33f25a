# expect: TVL009
# style: recommender rating regression (explicit feedback), Trainer class with separate loss method
# bug: RatingModel.forward returns self.out(h) of shape (B, 1) from nn.Linear(..., 1) and Trainer.compute_loss compares it with the (B,) rating vector via SmoothL1Loss, which broadcasts to (B, B)
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Ratings(Dataset):
    def __init__(self, n, n_users, n_items, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.users = torch.randint(0, n_users, (n,), generator=g)
        self.items = torch.randint(0, n_items, (n,), generator=g)
        self.ratings = torch.randint(1, 6, (n,), generator=g).float()

    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, i):
        return self.users[i], self.items[i], self.ratings[i]


class RatingModel(nn.Module):
    def __init__(self, n_users, n_items, dim=48):
        super().__init__()
        self.u = nn.Embedding(n_users, dim)
        self.i = nn.Embedding(n_items, dim)
        self.mlp = nn.Sequential(nn.Linear(2 * dim, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU())
        self.out = nn.Linear(64, 1)

    def forward(self, users, items):
        h = self.mlp(torch.cat([self.u(users), self.i(items)], dim=-1))
        return self.out(h)


class Trainer:
    def __init__(self, model, lr, device, clip=None):
        self.model = model.to(device)
        self.device = device
        self.clip = clip
        self.loss_fn = nn.SmoothL1Loss(beta=0.5)
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.sched = torch.optim.lr_scheduler.ExponentialLR(self.opt, gamma=0.95)

    def compute_loss(self, batch):
        users, items, ratings = (t.to(self.device) for t in batch)
        preds = self.model(users, items)
        return self.loss_fn(preds, ratings)

    def train_epoch(self, loader):
        self.model.train()
        total, n = 0.0, 0
        for batch in loader:
            self.opt.zero_grad()
            loss = self.compute_loss(batch)
            loss.backward()
            if self.clip:
                nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
            self.opt.step()
            total += loss.item() * batch[0].size(0)
            n += batch[0].size(0)
        self.sched.step()
        return total / n

    @torch.no_grad()
    def rmse(self, loader):
        self.model.eval()
        se, n = 0.0, 0
        for users, items, ratings in loader:
            p = self.model(users.to(self.device), items.to(self.device)).squeeze(-1).clamp(1, 5).cpu()
            se += ((p - ratings) ** 2).sum().item()
            n += ratings.numel()
        return math.sqrt(se / n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=943)
    ap.add_argument("--items", type=int, default=1682)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(Ratings(80000, args.users, args.items), batch_size=256, shuffle=True)
    test_loader = DataLoader(Ratings(20000, args.users, args.items, seed=1), batch_size=2048)
    trainer = Trainer(RatingModel(args.users, args.items), args.lr, device, clip=5.0)
    for epoch in range(args.epochs):
        tr = trainer.train_epoch(train_loader)
        print(f"epoch {epoch:2d} train_huber {tr:.4f} test_rmse {trainer.rmse(test_loader):.4f}")
    torch.save(trainer.model.state_dict(), "rating_mlp.pt")


if __name__ == "__main__":
    main()
