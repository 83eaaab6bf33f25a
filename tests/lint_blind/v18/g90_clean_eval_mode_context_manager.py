# expect: clean
# style: HF-like Trainer with periodic evaluation inside the step loop, using an eval_mode() context manager (GNN molecule classifier)
# note: evaluation runs mid-epoch every eval_steps and switches the model to eval(), which looks like TVL004, but the eval_mode() context manager restores the previous training mode in its finally block.
import contextlib
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("molgnn")


@contextlib.contextmanager
def eval_mode(model):
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@dataclass
class Args:
    epochs: int = 5
    lr: float = 1e-3
    eval_steps: int = 40
    batch_size: int = 32


class Molecules(Dataset):
    """Random graphs (<=20 atoms) with dense adjacency; label = has a triangle."""

    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            k = int(torch.randint(6, 21, (1,), generator=g))
            a = (torch.rand(k, k, generator=g) < 0.15).float().triu(1)
            a = a + a.t()
            x = F.one_hot(torch.randint(0, 8, (k,), generator=g), 8).float()
            y = float(torch.trace(a @ a @ a) > 0)
            self.items.append((x, a, y))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    N = max(x.size(0) for x, _, _ in batch)
    X = torch.zeros(len(batch), N, 8)
    A = torch.zeros(len(batch), N, N)
    M = torch.zeros(len(batch), N)
    for i, (x, a, _) in enumerate(batch):
        k = x.size(0)
        X[i, :k], A[i, :k, :k], M[i, :k] = x, a, 1
    return X, A, M, torch.tensor([y for _, _, y in batch])


class GIN(nn.Module):
    def __init__(self, hidden=64, layers=3):
        super().__init__()
        self.inp = nn.Linear(8, hidden)
        self.mlps = nn.ModuleList([nn.Sequential(nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                                 nn.Linear(hidden, hidden)) for _ in range(layers)])
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(hidden, 1)

    def forward(self, X, A, M):
        h = self.inp(X)
        for mlp in self.mlps:
            agg = h + A @ h
            B, N, D = agg.shape
            h = F.relu(mlp(agg.reshape(B * N, D)).reshape(B, N, D)) * M.unsqueeze(-1)
        pooled = h.sum(1) / M.sum(1, keepdim=True)
        return self.out(self.drop(pooled)).squeeze(-1)


class Trainer:
    def __init__(self, model, args, train_ds, eval_ds):
        self.model, self.args = model, args
        self.train_dl = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, collate_fn=collate)
        self.eval_dl = DataLoader(eval_ds, batch_size=128, collate_fn=collate)
        self.opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        self.step = 0

    def evaluate(self):
        correct = n = 0
        with eval_mode(self.model), torch.no_grad():
            for X, A, M, y in self.eval_dl:
                correct += ((self.model(X, A, M) > 0).float() == y).sum().item()
                n += len(y)
        return correct / n

    def train(self):
        self.model.train()
        for epoch in range(self.args.epochs):
            for X, A, M, y in self.train_dl:
                loss = F.binary_cross_entropy_with_logits(self.model(X, A, M), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.step += 1
                if self.step % self.args.eval_steps == 0:
                    log.info("step %d loss %.4f eval_acc %.4f", self.step, loss.item(), self.evaluate())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = GIN()
    Trainer(model, Args(), Molecules(3000, 0), Molecules(400, 1)).train()
    torch.save(model.state_dict(), "gin_triangles.pt")
