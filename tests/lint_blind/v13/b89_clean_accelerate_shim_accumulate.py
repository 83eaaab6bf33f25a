# expect: clean
# style: accelerate-like shim with accumulate() context and sync_gradients flag, recommender two-tower retrieval with in-batch negatives
# note: step(), zero_grad() and the scheduler only run when sync_gradients is true, in the order backward -> step -> scheduler -> zero_grad; the LambdaLR is sized in optimizer updates
import contextlib
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("twotower")


class MiniAccelerator:
    def __init__(self, gradient_accumulation_steps=1):
        self.accum = gradient_accumulation_steps
        self._micro = 0
        self.sync_gradients = True

    @contextlib.contextmanager
    def accumulate(self, model):
        self._micro += 1
        self.sync_gradients = self._micro % self.accum == 0
        yield

    def backward(self, loss):
        (loss / self.accum).backward()

    def clip_grad_norm_(self, params, max_norm):
        if self.sync_gradients:
            return nn.utils.clip_grad_norm_(params, max_norm)
        return None


class Tower(nn.Module):
    def __init__(self, vocab, dim=64, out=64):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(dim, 128), nn.ReLU(), nn.Linear(128, out))

    def forward(self, ids):
        return F.normalize(self.mlp(self.emb(ids)), dim=-1)


class TwoTower(nn.Module):
    def __init__(self, n_user_feats=50000, n_item_feats=80000):
        super().__init__()
        self.user = Tower(n_user_feats)
        self.item = Tower(n_item_feats)
        self.log_tau = nn.Parameter(torch.tensor(-2.3))

    def forward(self, u, i):
        return self.user(u) @ self.item(i).t() / self.log_tau.exp()


def main(epochs=3, accum=4):
    logging.basicConfig(level=logging.INFO)
    users = torch.randint(0, 50000, (40000, 10))
    items = torch.randint(0, 80000, (40000, 6))
    loader = DataLoader(TensorDataset(users, items), batch_size=256, shuffle=True, drop_last=True)
    model = TwoTower()
    acc = MiniAccelerator(gradient_accumulation_steps=accum)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    total_updates = epochs * len(loader) // accum
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda u: max(0.05, 1 - u / total_updates))
    for ep in range(epochs):
        model.train()
        running = 0.0
        for u, i in loader:
            with acc.accumulate(model):
                logits = model(u, i)
                labels = torch.arange(logits.size(0))
                loss = F.cross_entropy(logits, labels)
                acc.backward(loss)
                acc.clip_grad_norm_(model.parameters(), 5.0)
                if acc.sync_gradients:
                    opt.step()
                    sched.step()
                    opt.zero_grad()
            running += loss.item()
        log.info("epoch %d in-batch softmax loss %.4f tau %.4f", ep, running / len(loader), model.log_tau.exp().item())
    torch.save(model.state_dict(), "two_tower.pt")


if __name__ == "__main__":
    main()
