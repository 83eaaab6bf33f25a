# expect: clean
# style: Lightning-like module + mini Trainer with callbacks, recommender (neural matrix factorisation)
# note: gradient clearing lives in a callback hook rather than the loop body, but the hook runs in on_before_batch, i.e. before forward/backward, and the optimizer step follows backward directly.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, dim=32):
        super().__init__()
        self.u_gmf, self.i_gmf = nn.Embedding(n_users, dim), nn.Embedding(n_items, dim)
        self.u_mlp, self.i_mlp = nn.Embedding(n_users, dim), nn.Embedding(n_items, dim)
        self.mlp = nn.Sequential(nn.Linear(2 * dim, 64), nn.ReLU(), nn.Linear(64, dim), nn.ReLU())
        self.out = nn.Linear(2 * dim, 1)

    def forward(self, u, i):
        gmf = self.u_gmf(u) * self.i_gmf(i)
        mlp = self.mlp(torch.cat([self.u_mlp(u), self.i_mlp(i)], dim=-1))
        return self.out(torch.cat([gmf, mlp], dim=-1)).squeeze(-1)


class LitNeuMF(nn.Module):
    def __init__(self, n_users, n_items, lr=1e-3):
        super().__init__()
        self.model = NeuMF(n_users, n_items)
        self.lr = lr

    def training_step(self, batch):
        u, i, y = batch
        return F.binary_cross_entropy_with_logits(self.model(u, i), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


class Callback:
    def on_before_batch(self, trainer): pass
    def on_after_step(self, trainer): pass
    def on_epoch_end(self, trainer): pass


class ZeroGradCallback(Callback):
    def on_before_batch(self, trainer):
        trainer.optimizer.zero_grad(set_to_none=True)


class LossLogger(Callback):
    def on_after_step(self, trainer):
        trainer.epoch_loss += trainer.last_loss

    def on_epoch_end(self, trainer):
        print(f"epoch {trainer.epoch}: mean bce {trainer.epoch_loss / trainer.steps_per_epoch:.4f}")


class MiniTrainer:
    def __init__(self, max_epochs, callbacks):
        self.max_epochs = max_epochs
        self.callbacks = callbacks

    def _hook(self, name):
        for cb in self.callbacks:
            getattr(cb, name)(self)

    def fit(self, module, loader):
        self.optimizer = module.configure_optimizers()
        self.steps_per_epoch = len(loader)
        for self.epoch in range(self.max_epochs):
            module.train()
            self.epoch_loss = 0.0
            for batch in loader:
                self._hook("on_before_batch")
                loss = module.training_step(batch)
                loss.backward()
                self.optimizer.step()
                self.last_loss = loss.item()
                self._hook("on_after_step")
            self._hook("on_epoch_end")


if __name__ == "__main__":
    n_users, n_items, n = 1000, 1700, 100_000
    u = torch.randint(0, n_users, (n,))
    i = torch.randint(0, n_items, (n,))
    y = (torch.rand(n) < 0.2).float()
    loader = DataLoader(TensorDataset(u, i, y), batch_size=1024, shuffle=True)
    MiniTrainer(5, [ZeroGradCallback(), LossLogger()]).fit(LitNeuMF(n_users, n_items), loader)
