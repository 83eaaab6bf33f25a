# expect: clean
# style: multi-label toxic-comment classifier with a Lightning-like module (training_step/validation_step)
# note: torch.sigmoid appears in predict_step and validation metrics only; the loss gets raw logits via BCEWithLogitsLoss
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("toxic")
LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


class ToxicModule(nn.Module):
    def __init__(self, vocab=30000, dim=200, lr=1e-3):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(dim, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, len(LABELS)))
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.lr = lr

    def forward(self, ids):
        return self.mlp(self.emb(ids))

    def training_step(self, batch):
        ids, y = batch
        return self.loss_fn(self(ids), y)

    def validation_step(self, batch):
        ids, y = batch
        logits = self(ids)
        return {"loss": self.loss_fn(logits, y).item(), "probs": torch.sigmoid(logits), "y": y}

    def predict_step(self, ids):
        return torch.sigmoid(self(ids))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


class MiniLightningTrainer:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, module, train_dl, val_dl):
        opt = module.configure_optimizers()
        for ep in range(self.max_epochs):
            module.train()
            for batch in train_dl:
                loss = module.training_step(batch)
                opt.zero_grad()
                loss.backward()
                opt.step()
            module.eval()
            outs = []
            with torch.no_grad():
                for batch in val_dl:
                    outs.append(module.validation_step(batch))
            probs = torch.cat([o["probs"] for o in outs]).numpy()
            ys = torch.cat([o["y"] for o in outs]).numpy()
            f1 = []
            for k in range(len(LABELS)):
                pred = probs[:, k] > 0.5
                tp = (pred & (ys[:, k] == 1)).sum()
                f1.append(2 * tp / max(pred.sum() + ys[:, k].sum(), 1))
            log.info("epoch %d val_loss %.4f mean F1 %.4f", ep, np.mean([o["loss"] for o in outs]), np.mean(f1))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ids = torch.randint(0, 30000, (12000, 80))
    y = (torch.rand(12000, len(LABELS)) < 0.08).float()
    train_dl = DataLoader(TensorDataset(ids[:10000], y[:10000]), batch_size=128, shuffle=True)
    val_dl = DataLoader(TensorDataset(ids[10000:], y[10000:]), batch_size=512)
    module = ToxicModule()
    MiniLightningTrainer(max_epochs=4).fit(module, train_dl, val_dl)
    module.eval()
    with torch.no_grad():
        print(module.predict_step(ids[:3]))
    torch.save(module.state_dict(), "toxic.pt")
