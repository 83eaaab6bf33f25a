# expect: TVL003
# style: Trainer class with gradient accumulation, NLP sentiment classification
# bug: gradients are only zeroed in on_epoch_start(); optimizer_step() steps every accum_steps but never clears, so gradients pile up across the whole epoch
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("trainer")


@dataclass
class TrainConfig:
    vocab_size: int = 8000
    max_len: int = 64
    epochs: int = 4
    batch_size: int = 32
    accum_steps: int = 4
    lr: float = 2e-4
    max_grad_norm: float = 1.0
    log_every: int = 50


class BiGRUClassifier(nn.Module):
    def __init__(self, vocab, dim=128, n_classes=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.gru = nn.GRU(dim, dim, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(2 * dim, n_classes)

    def forward(self, ids):
        h, _ = self.gru(self.emb(ids))
        mask = (ids != 0).unsqueeze(-1).float()
        pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.out(self.drop(pooled))


class Trainer:
    def __init__(self, model, cfg: TrainConfig, train_loader, val_loader):
        self.model = model
        self.cfg = cfg
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
        self.criterion = nn.CrossEntropyLoss()
        self.global_step = 0

    def on_epoch_start(self, epoch):
        self.model.train()
        self.optimizer.zero_grad()
        logger.info("starting epoch %d", epoch)

    def optimizer_step(self):
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()
        self.global_step += 1

    def training_step(self, batch):
        ids, labels = batch
        loss = self.criterion(self.model(ids), labels)
        (loss / self.cfg.accum_steps).backward()
        return loss.item()

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        correct = total = 0
        for ids, labels in self.val_loader:
            correct += (self.model(ids).argmax(-1) == labels).sum().item()
            total += labels.numel()
        self.model.train()
        return correct / max(total, 1)

    def fit(self):
        for epoch in range(self.cfg.epochs):
            self.on_epoch_start(epoch)
            running = 0.0
            for i, batch in enumerate(self.train_loader, start=1):
                running += self.training_step(batch)
                if i % self.cfg.accum_steps == 0:
                    self.optimizer_step()
                if i % self.cfg.log_every == 0:
                    logger.info("step %d loss %.4f", self.global_step, running / i)
            acc = self.validate()
            logger.info("epoch %d val_acc %.4f", epoch, acc)


def fake_corpus(n, cfg, seed):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(8, cfg.max_len, (n,), generator=g)
    ids = torch.randint(1, cfg.vocab_size, (n, cfg.max_len), generator=g)
    ids[torch.arange(cfg.max_len)[None, :] >= lengths[:, None]] = 0
    labels = (ids[:, :4].sum(1) % 2)
    return TensorDataset(ids, labels)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = TrainConfig()
    train_loader = DataLoader(fake_corpus(6000, cfg, 0), batch_size=cfg.batch_size, shuffle=True)
    val_loader = DataLoader(fake_corpus(800, cfg, 1), batch_size=128)
    Trainer(BiGRUClassifier(cfg.vocab_size), cfg, train_loader, val_loader).fit()
