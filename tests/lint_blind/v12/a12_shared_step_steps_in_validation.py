# expect: TVL004
# style: Lightning-like module with a _shared_step used by train and validation, recommender (NCF)
# bug: _shared_step() does backward + optimizer.step() unconditionally, and validation_step() reuses it, so the optimizer is stepped on validation batches
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ncf")


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, dim=32, mlp=(64, 32, 16)):
        super().__init__()
        self.gmf_u = nn.Embedding(n_users, dim)
        self.gmf_i = nn.Embedding(n_items, dim)
        self.mlp_u = nn.Embedding(n_users, mlp[0] // 2)
        self.mlp_i = nn.Embedding(n_items, mlp[0] // 2)
        layers = []
        for a, b in zip(mlp[:-1], mlp[1:]):
            layers += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(0.1)]
        self.mlp = nn.Sequential(*layers)
        self.out = nn.Linear(dim + mlp[-1], 1)

    def forward(self, u, i):
        g = self.gmf_u(u) * self.gmf_i(i)
        m = self.mlp(torch.cat([self.mlp_u(u), self.mlp_i(i)], -1))
        return self.out(torch.cat([g, m], -1)).squeeze(-1)


class LitNCF:
    def __init__(self, n_users, n_items, lr=1e-3):
        self.model = NeuMF(n_users, n_items)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

    def _shared_step(self, batch):
        u, i, y = batch
        logits = self.model(u, i)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss, logits

    def training_step(self, batch, batch_idx):
        loss, _ = self._shared_step(batch)
        return {"loss": loss.item()}

    def validation_step(self, batch, batch_idx):
        loss, logits = self._shared_step(batch)
        hits = ((logits > 0).float() == batch[2]).float().sum().item()
        return {"val_loss": loss.item(), "hits": hits, "n": len(batch[2])}


def run(lit, train_dl, val_dl, epochs):
    for epoch in range(epochs):
        lit.model.train()
        tr = [lit.training_step(b, k)["loss"] for k, b in enumerate(train_dl)]
        lit.model.eval()
        outs = [lit.validation_step(b, k) for k, b in enumerate(val_dl)]
        lit.model.train()
        vloss = sum(o["val_loss"] for o in outs) / len(outs)
        acc = sum(o["hits"] for o in outs) / sum(o["n"] for o in outs)
        log.info("epoch %d train %.4f val %.4f acc %.4f", epoch, sum(tr) / len(tr), vloss, acc)


def interactions(n, n_users, n_items):
    u = torch.randint(0, n_users, (n,))
    i = torch.randint(0, n_items, (n,))
    y = ((u + i) % 3 == 0).float()
    return TensorDataset(u, i, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    N_USERS, N_ITEMS = 6040, 3706
    lit = LitNCF(N_USERS, N_ITEMS)
    train_dl = DataLoader(interactions(100_000, N_USERS, N_ITEMS), batch_size=1024, shuffle=True)
    val_dl = DataLoader(interactions(10_000, N_USERS, N_ITEMS), batch_size=4096)
    run(lit, train_dl, val_dl, epochs=10)
    torch.save(lit.model.state_dict(), "neumf.pt")
