# expect: TVL002
# style: hand-written Trainer class, text classification with a bag-of-embeddings model
# bug: Trainer._forward returns self.model(...).data, and _compute_loss builds the loss from that detached tensor, so backward() has no path to the model.
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("trainer")


@dataclass
class TrainConfig:
    vocab_size: int = 20000
    emb_dim: int = 128
    n_classes: int = 4
    lr: float = 5e-4
    epochs: int = 4
    batch_size: int = 64
    max_len: int = 64
    log_every: int = 50


class NewsDataset(Dataset):
    def __init__(self, n, cfg):
        self.tokens = torch.randint(1, cfg.vocab_size, (n, cfg.max_len))
        self.lengths = torch.randint(8, cfg.max_len, (n,))
        self.labels = torch.randint(0, cfg.n_classes, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        toks = self.tokens[i].clone()
        toks[self.lengths[i]:] = 0
        return toks, self.labels[i]


class FastText(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.EmbeddingBag(cfg.vocab_size, cfg.emb_dim, mode="mean", padding_idx=0)
        self.fc = nn.Linear(cfg.emb_dim, cfg.n_classes)

    def forward(self, tokens):
        return self.fc(self.emb(tokens))


class Trainer:
    def __init__(self, model, cfg):
        self.model = model
        self.cfg = cfg
        self.optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        self.global_step = 0

    def _forward(self, batch):
        tokens, _ = batch
        logits = self.model(tokens)
        return logits.data

    def _compute_loss(self, logits, batch):
        _, labels = batch
        return F.cross_entropy(logits, labels)

    def training_step(self, batch):
        logits = self._forward(batch)
        loss = self._compute_loss(logits, batch)
        if not loss.requires_grad:
            loss.requires_grad_(True)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.global_step += 1
        return loss.item()

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        hits = total = 0
        for tokens, labels in loader:
            hits += (self.model(tokens).argmax(-1) == labels).sum().item()
            total += labels.numel()
        self.model.train()
        return hits / total

    def fit(self, train_loader, val_loader):
        self.model.train()
        for epoch in range(self.cfg.epochs):
            for batch in train_loader:
                loss = self.training_step(batch)
                if self.global_step % self.cfg.log_every == 0:
                    logger.info("step %d loss %.4f", self.global_step, loss)
            logger.info("epoch %d val acc %.4f", epoch, self.evaluate(val_loader))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = TrainConfig()
    train_dl = DataLoader(NewsDataset(4000, cfg), batch_size=cfg.batch_size, shuffle=True)
    val_dl = DataLoader(NewsDataset(800, cfg), batch_size=256)
    Trainer(FastText(cfg), cfg).fit(train_dl, val_dl)
