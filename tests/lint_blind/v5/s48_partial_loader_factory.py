# expect: TVL015
# style: research code with a functools.partial loader factory + wandb logging; GMF (NCF) on implicit feedback with sampled negatives
# bug: make_loader = partial(DataLoader, batch_size=..., num_workers=..., pin_memory=True) has no shuffle, and it is used as-is for the training loader
import argparse
from functools import partial
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

try:
    import wandb
except ImportError:
    wandb = None


class ImplicitFeedback(Dataset):
    """Positives grouped by user (as read from the interaction log), each with 4 sampled negatives."""

    def __init__(self, n_users, n_items, per_user=20, n_neg=4):
        self.rows = []
        for u in range(n_users):
            for i in torch.randint(0, n_items, (per_user,)).tolist():
                self.rows.append((u, i, 1.0))
                self.rows += [(u, j, 0.0) for j in torch.randint(0, n_items, (n_neg,)).tolist()]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, k):
        u, i, y = self.rows[k]
        return torch.tensor(u), torch.tensor(i), torch.tensor(y)


class GMF(nn.Module):
    def __init__(self, n_users, n_items, dim=64):
        super().__init__()
        self.u = nn.Embedding(n_users, dim)
        self.i = nn.Embedding(n_items, dim)
        self.out = nn.Linear(dim, 1)
        nn.init.normal_(self.u.weight, std=0.01)
        nn.init.normal_(self.i.weight, std=0.01)

    def forward(self, u, i):
        return self.out(self.u(u) * self.i(i)).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch_size", type=int, default=1024)
    ap.add_argument("--num_workers", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--wandb", action="store_true")
    args = ap.parse_args()
    if args.wandb and wandb is not None:
        wandb.init(project="gmf", config=vars(args))
    make_loader = partial(DataLoader, batch_size=args.batch_size, num_workers=args.num_workers, pin_memory=True)
    train_loader = make_loader(ImplicitFeedback(1000, 5000))
    model = GMF(1000, 5000)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for u, i, y in train_loader:
            loss = F.binary_cross_entropy_with_logits(model(u, i), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        if args.wandb and wandb is not None:
            wandb.log({"train/loss": tot / len(train_loader), "epoch": epoch})
        print(f"epoch {epoch} loss {tot / len(train_loader):.4f}")


if __name__ == "__main__":
    main()
