# expect: TVL009
# style: two-tower rating-prediction recommender with a small Trainer class (training_step/validation_step) and dict batches
# bug: RatingModel.rating_head is nn.Linear(64, 1) giving (B, 1) predictions, while RatingsDataset yields a scalar rating so batch["rating"] is (B,); F.l1_loss broadcasts them to (B, B)
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class RatingsDataset(Dataset):
    def __init__(self, n, n_users=2000, n_items=1500, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.users = torch.randint(0, n_users, (n,), generator=g)
        self.items = torch.randint(0, n_items, (n,), generator=g)
        self.ratings = torch.randint(1, 6, (n,), generator=g).float()

    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, i):
        return {"user": self.users[i], "item": self.items[i], "rating": self.ratings[i]}


class RatingModel(nn.Module):
    def __init__(self, n_users=2000, n_items=1500, dim=32):
        super().__init__()
        self.user_tower = nn.Sequential(nn.Embedding(n_users, dim), nn.Linear(dim, dim), nn.ReLU())
        self.item_tower = nn.Sequential(nn.Embedding(n_items, dim), nn.Linear(dim, dim), nn.ReLU())
        self.rating_head = nn.Linear(2 * dim, 1)

    def forward(self, user, item):
        return self.rating_head(torch.cat([self.user_tower(user), self.item_tower(item)], dim=-1))


class Trainer:
    def __init__(self, model, lr, weight_decay):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)

    def training_step(self, batch):
        pred = self.model(batch["user"], batch["item"])
        return F.l1_loss(pred, batch["rating"])

    @torch.no_grad()
    def validation_step(self, batch):
        pred = self.model(batch["user"], batch["item"]).view(-1).clamp(1, 5)
        return F.l1_loss(pred, batch["rating"], reduction="sum").item()

    def fit(self, train_loader, val_loader, epochs):
        for epoch in range(epochs):
            self.model.train()
            for batch in train_loader:
                loss = self.training_step(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            self.model.eval()
            mae = sum(self.validation_step(b) for b in val_loader) / len(val_loader.dataset)
            print(f"epoch {epoch}: last train loss {loss.item():.3f}  val MAE {mae:.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=1e-5)
    args = ap.parse_args()
    train_loader = DataLoader(RatingsDataset(80000), batch_size=512, shuffle=True)
    val_loader = DataLoader(RatingsDataset(10000, seed=1), batch_size=1024)
    Trainer(RatingModel(), args.lr, args.wd).fit(train_loader, val_loader, args.epochs)
