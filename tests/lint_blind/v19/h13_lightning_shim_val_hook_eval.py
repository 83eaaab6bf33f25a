# expect: TVL004
# style: hand-written Lightning-like mini framework (LightningModule shim + Trainer) for a tabular churn model
# bug: the shim's Trainer calls model.on_validation_start() (which sets eval()) each epoch, but the training loop only calls module.train() in fit() before the first epoch; nothing restores train mode
import logging
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("mini_pl")


class MiniModule(nn.Module):
    """Subset of the LightningModule API that our scripts use."""

    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def validation_step(self, batch, batch_idx):
        raise NotImplementedError

    def configure_optimizers(self):
        raise NotImplementedError

    def on_validation_start(self):
        self.eval()

    def on_validation_end(self):
        pass

    def log(self, name, value):
        self._logged = getattr(self, "_logged", {})
        self._logged[name] = float(value)


class MiniTrainer:
    def __init__(self, max_epochs=10, log_every_n_steps=50, gradient_clip_val=None):
        self.max_epochs = max_epochs
        self.log_every = log_every_n_steps
        self.clip = gradient_clip_val
        self.global_step = 0

    def _val_loop(self, module, loader):
        module.on_validation_start()
        outs = []
        with torch.no_grad():
            for i, batch in enumerate(loader):
                outs.append(module.validation_step(batch, i))
        module.on_validation_end()
        return outs

    def fit(self, module, train_loader, val_loader):
        optimizer = module.configure_optimizers()
        module.train()
        for epoch in range(self.max_epochs):
            for i, batch in enumerate(train_loader):
                loss = module.training_step(batch, i)
                optimizer.zero_grad()
                loss.backward()
                if self.clip:
                    nn.utils.clip_grad_norm_(module.parameters(), self.clip)
                optimizer.step()
                self.global_step += 1
                if self.global_step % self.log_every == 0:
                    logger.info("step %d %s", self.global_step, getattr(module, "_logged", {}))
            outs = self._val_loop(module, val_loader)
            auc = module.summarize_validation(outs)
            logger.info("epoch %d val_auc %.4f", epoch, auc)


def roc_auc(scores, labels):
    order = np.argsort(-scores)
    labels = labels[order]
    tp = np.cumsum(labels)
    fp = np.cumsum(1 - labels)
    tpr = tp / max(tp[-1], 1)
    fpr = fp / max(fp[-1], 1)
    return float(np.trapz(tpr, fpr))


class ChurnModel(MiniModule):
    def __init__(self, n_num, cat_cards, emb_dim=8, hidden=128, lr=2e-3):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, emb_dim) for c in cat_cards])
        d = n_num + emb_dim * len(cat_cards)
        self.mlp = nn.Sequential(
            nn.Linear(d, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.25),
            nn.Linear(hidden, hidden // 2), nn.BatchNorm1d(hidden // 2), nn.ReLU(), nn.Dropout(0.25),
            nn.Linear(hidden // 2, 1),
        )
        self.lr = lr

    def forward(self, x_num, x_cat):
        e = [emb(x_cat[:, j]) for j, emb in enumerate(self.embs)]
        return self.mlp(torch.cat([x_num] + e, 1)).squeeze(1)

    def training_step(self, batch, batch_idx):
        x_num, x_cat, y = batch
        loss = F.binary_cross_entropy_with_logits(self(x_num, x_cat), y)
        self.log("train_loss", loss.item())
        return loss

    def validation_step(self, batch, batch_idx):
        x_num, x_cat, y = batch
        return torch.sigmoid(self(x_num, x_cat)), y

    def summarize_validation(self, outs):
        s = torch.cat([o[0] for o in outs]).numpy()
        y = torch.cat([o[1] for o in outs]).numpy()
        return roc_auc(s, y)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=1e-2)


def make_churn(n, n_num=10, cards=(5, 12, 30), seed=0):
    rng = np.random.default_rng(seed)
    x_num = rng.normal(size=(n, n_num)).astype(np.float32)
    x_cat = np.stack([rng.integers(0, c, n) for c in cards], 1)
    logit = x_num[:, 0] - 0.5 * x_num[:, 3] + 0.3 * (x_cat[:, 1] % 3)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    return TensorDataset(torch.from_numpy(x_num), torch.from_numpy(x_cat).long(), torch.from_numpy(y))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cards = (5, 12, 30)
    train_dl = DataLoader(make_churn(40000, cards=cards), batch_size=512, shuffle=True, drop_last=True)
    val_dl = DataLoader(make_churn(8000, cards=cards, seed=1), batch_size=2048)
    model = ChurnModel(10, cards)
    MiniTrainer(max_epochs=12, gradient_clip_val=1.0).fit(model, train_dl, val_dl)
    torch.save(model.state_dict(), "churn.pt")
