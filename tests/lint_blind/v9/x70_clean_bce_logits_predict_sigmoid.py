# expect: clean
# style: CTR model (DeepFM-like) with a LightningModule-style class; sigmoid only in predict and metrics
# note: torch.sigmoid appears next to the loss code, but the BCEWithLogitsLoss receives raw logits; sigmoid is applied only for AUC/logloss reporting and in predict_proba.
import os
import random
import logging

import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import log_loss, roc_auc_score
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("ctr")
FIELD_DIMS = [1000, 500, 200, 50, 24, 7]


class DeepFM(nn.Module):
    def __init__(self, field_dims, k=16):
        super().__init__()
        self.register_buffer("offsets", torch.tensor([0] + list(np.cumsum(field_dims)[:-1])), persistent=False)
        n = sum(field_dims)
        self.linear = nn.Embedding(n, 1)
        self.emb = nn.Embedding(n, k)
        self.bias = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(nn.Linear(len(field_dims) * k, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 1))

    def forward(self, x):
        x = x + self.offsets
        e = self.emb(x)
        fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1, keepdim=True)
        return (self.bias + self.linear(x).sum(1) + fm + self.mlp(e.flatten(1))).squeeze(1)


class CTRModule(nn.Module):
    def __init__(self, lr=1e-3):
        super().__init__()
        self.model = DeepFM(FIELD_DIMS)
        self.criterion = nn.BCEWithLogitsLoss()
        self.lr = lr

    def training_step(self, batch):
        x, y = batch
        logits = self.model(x)
        return self.criterion(logits, y)

    @torch.no_grad()
    def predict_proba(self, x):
        return torch.sigmoid(self.model(x))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr, weight_decay=1e-6)


def make_data(n):
    x = torch.stack([torch.randint(0, d, (n,)) for d in FIELD_DIMS], 1)
    y = ((x[:, 0] % 7 == 0) | (x[:, 3] < 5)).float()
    return x, y


def main(epochs=3):
    logging.basicConfig(level=logging.INFO)
    xtr, ytr = make_data(100_000)
    xva, yva = make_data(20_000)
    module = CTRModule()
    opt = module.configure_optimizers()
    dl = DataLoader(TensorDataset(xtr, ytr), batch_size=2048, shuffle=True)
    for epoch in range(epochs):
        module.train()
        for batch in dl:
            loss = module.training_step(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
        module.eval()
        p = module.predict_proba(xva).numpy()
        log.info("epoch %d val AUC %.4f logloss %.4f", epoch, roc_auc_score(yva.numpy(), p), log_loss(yva.numpy(), p))


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
