# expect: TVL009
# style: neural collaborative filtering with a criterion registry and trainer functions
# bug: NCF.out is nn.Linear(..., 1) giving (B, 1) predictions while ratings come in as (B,); the MSE criterion picked from the registry broadcasts them to (B, B)
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ncf")

CRITERIA = {
    "mse": nn.MSELoss,
    "l1": nn.L1Loss,
    "huber": nn.HuberLoss,
}

HPARAMS = {"emb_dim": 32, "mlp": [64, 32, 16], "loss": "mse", "lr": 1e-3, "epochs": 10, "bs": 512}


class Interactions(Dataset):
    def __init__(self, users, items, ratings):
        self.users = torch.as_tensor(users, dtype=torch.long)
        self.items = torch.as_tensor(items, dtype=torch.long)
        self.ratings = torch.as_tensor(ratings, dtype=torch.float32)

    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, i):
        return {"user": self.users[i], "item": self.items[i], "rating": self.ratings[i]}


class NCF(nn.Module):
    def __init__(self, n_users, n_items, emb_dim, mlp_sizes):
        super().__init__()
        self.u_gmf = nn.Embedding(n_users, emb_dim)
        self.i_gmf = nn.Embedding(n_items, emb_dim)
        self.u_mlp = nn.Embedding(n_users, emb_dim)
        self.i_mlp = nn.Embedding(n_items, emb_dim)
        layers, prev = [], 2 * emb_dim
        for s in mlp_sizes:
            layers += [nn.Linear(prev, s), nn.ReLU(), nn.Dropout(0.1)]
            prev = s
        self.mlp = nn.Sequential(*layers)
        self.out = nn.Linear(emb_dim + prev, 1)

    def forward(self, user, item):
        gmf = self.u_gmf(user) * self.i_gmf(item)
        mlp = self.mlp(torch.cat([self.u_mlp(user), self.i_mlp(item)], -1))
        return self.out(torch.cat([gmf, mlp], -1))


def train_epoch(model, loader, criterion, opt):
    model.train()
    total = 0.0
    for batch in loader:
        pred = model(batch["user"], batch["item"])
        loss = criterion(pred, batch["rating"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(batch["rating"])
    return total / len(loader.dataset)


@torch.no_grad()
def eval_rmse(model, loader):
    model.eval()
    se = 0.0
    for batch in loader:
        pred = model(batch["user"], batch["item"]).view(-1)
        se += ((pred - batch["rating"]) ** 2).sum().item()
    return (se / len(loader.dataset)) ** 0.5


def main(hp):
    logging.basicConfig(level=logging.INFO)
    rng = np.random.default_rng(0)
    n_users, n_items, n = 3000, 2000, 200_000
    u, i = rng.integers(0, n_users, n), rng.integers(0, n_items, n)
    r = np.clip(3 + rng.normal(0, 0.5, n_users)[u] + rng.normal(0, 0.7, n_items)[i] + rng.normal(0, 0.5, n), 1, 5)
    perm = rng.permutation(n)
    tr, va = perm[: int(0.9 * n)], perm[int(0.9 * n):]
    train_loader = DataLoader(Interactions(u[tr], i[tr], r[tr]), batch_size=hp["bs"], shuffle=True)
    val_loader = DataLoader(Interactions(u[va], i[va], r[va]), batch_size=4096)

    model = NCF(n_users, n_items, hp["emb_dim"], hp["mlp"])
    criterion = CRITERIA[hp["loss"]]()
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    for epoch in range(hp["epochs"]):
        tr_loss = train_epoch(model, train_loader, criterion, opt)
        log.info("epoch %d train %.4f val_rmse %.4f", epoch, tr_loss, eval_rmse(model, val_loader))


if __name__ == "__main__":
    main(HPARAMS)
