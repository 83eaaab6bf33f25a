# expect: TVL004
# style: Lightning-like callback system, recommender (two-tower) with an evaluation callback
# bug: RecallCallback.on_epoch_end puts the model in eval mode to compute recall and nothing switches it back; fit() only calls model.train() once before the first epoch
import logging
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("recsys")


class TwoTower(nn.Module):
    def __init__(self, n_users, n_items, dim=64):
        super().__init__()
        self.user = nn.Sequential(nn.Embedding(n_users, dim), nn.Dropout(0.2), nn.Linear(dim, dim))
        self.item = nn.Sequential(nn.Embedding(n_items, dim), nn.Dropout(0.2), nn.Linear(dim, dim))

    def forward(self, u, i):
        return F.normalize(self.user(u), dim=-1), F.normalize(self.item(i), dim=-1)


class Callback:
    def on_fit_start(self, trainer): ...
    def on_epoch_end(self, trainer): ...


class RecallCallback(Callback):
    def __init__(self, val_users, val_items, n_items, k=20):
        self.val_users, self.val_items, self.n_items, self.k = val_users, val_items, n_items, k

    @torch.no_grad()
    def on_epoch_end(self, trainer):
        model = trainer.model
        model.eval()
        all_items = model.item(torch.arange(self.n_items))
        u = model.user(self.val_users)
        topk = (u @ F.normalize(all_items, dim=-1).t()).topk(self.k, dim=1).indices
        hit = (topk == self.val_items[:, None]).any(1).float().mean().item()
        trainer.metrics[f"recall@{self.k}"] = hit
        log.info("epoch %d recall@%d %.4f", trainer.epoch, self.k, hit)


class CheckpointCallback(Callback):
    def __init__(self, path):
        self.path = path

    def on_epoch_end(self, trainer):
        torch.save(trainer.model.state_dict(), self.path)


class MiniTrainer:
    def __init__(self, model, lr, epochs, temperature=0.05, callbacks: List[Callback] = ()):
        self.model, self.epochs, self.temperature = model, epochs, temperature
        self.callbacks = list(callbacks)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.metrics, self.epoch = {}, 0

    def training_step(self, batch):
        u, i = batch
        ue, ie = self.model(u, i)
        logits = ue @ ie.t() / self.temperature
        return F.cross_entropy(logits, torch.arange(len(u)))

    def fit(self, loader):
        for cb in self.callbacks:
            cb.on_fit_start(self)
        self.model.train()
        for self.epoch in range(self.epochs):
            running = 0.0
            for batch in loader:
                loss = self.training_step(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                running += loss.item()
            self.metrics["train_loss"] = running / len(loader)
            for cb in self.callbacks:
                cb.on_epoch_end(self)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    n_users, n_items = 5000, 3000
    users = torch.randint(0, n_users, (100000,))
    items = (users * 7 + torch.randint(0, 5, (100000,))) % n_items
    loader = DataLoader(TensorDataset(users, items), batch_size=1024, shuffle=True, drop_last=True)
    val_u = torch.randint(0, n_users, (2000,))
    val_i = (val_u * 7) % n_items
    trainer = MiniTrainer(TwoTower(n_users, n_items), lr=1e-3, epochs=15,
                          callbacks=[RecallCallback(val_u, val_i, n_items), CheckpointCallback("two_tower.pt")])
    trainer.fit(loader)
