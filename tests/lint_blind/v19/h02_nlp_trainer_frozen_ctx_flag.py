# expect: TVL001
# style: research repo text classifier, dataclass config + Trainer class
# bug: cfg.freeze_encoder defaults True and `_grad_ctx` wraps the whole model forward in no_grad; only the L2 penalty term carries grad, so the model is never trained by the task loss
import math
import logging
from contextlib import nullcontext
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    vocab_size: int = 8000
    emb_dim: int = 128
    hidden: int = 256
    num_labels: int = 4
    lr: float = 1e-3
    l2: float = 1e-5
    epochs: int = 5
    batch_size: int = 32
    max_len: int = 64
    freeze_encoder: bool = True   # "linear probe" mode
    log_every: int = 100
    tags: list = field(default_factory=lambda: ["bilstm", "probe"])


class SyntheticNews(Dataset):
    def __init__(self, n, cfg):
        g = torch.Generator().manual_seed(n)
        self.tokens = torch.randint(1, cfg.vocab_size, (n, cfg.max_len), generator=g)
        self.lengths = torch.randint(8, cfg.max_len + 1, (n,), generator=g)
        self.labels = torch.randint(0, cfg.num_labels, (n,), generator=g)
        for i, L in enumerate(self.lengths.tolist()):
            self.tokens[i, L:] = 0

    def __len__(self):
        return self.labels.numel()

    def __getitem__(self, i):
        return self.tokens[i], self.lengths[i], self.labels[i]


class BiLSTMClassifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg.vocab_size, cfg.emb_dim, padding_idx=0)
        self.rnn = nn.LSTM(cfg.emb_dim, cfg.hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(2 * cfg.hidden, cfg.num_labels)

    def forward(self, tokens, lengths):
        x = self.emb(tokens)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.rnn(packed)
        h = torch.cat([h[-2], h[-1]], dim=-1)
        return self.out(self.drop(h))


class Trainer:
    def __init__(self, model, cfg, device):
        self.model = model.to(device)
        self.cfg = cfg
        self.device = device
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.global_step = 0

    def _grad_ctx(self):
        # probing: encoder is fixed, we only fit the classifier
        return torch.no_grad() if self.cfg.freeze_encoder else nullcontext()

    def _l2_penalty(self):
        return sum(p.pow(2).sum() for p in self.model.parameters())

    def compute_loss(self, batch):
        tokens, lengths, labels = (t.to(self.device) for t in batch)
        with self._grad_ctx():
            logits = self.model(tokens, lengths)
        task = F.cross_entropy(logits, labels)
        return task + self.cfg.l2 * self._l2_penalty(), logits, labels

    def train_epoch(self, loader, epoch):
        self.model.train()
        tot, n = 0.0, 0
        for batch in loader:
            loss, _, _ = self.compute_loss(batch)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
            self.global_step += 1
            tot += loss.item()
            n += 1
            if self.global_step % self.cfg.log_every == 0:
                logger.info("step %d loss %.4f ppl-ish %.2f", self.global_step, loss.item(), math.exp(min(loss.item(), 20)))
        return tot / max(n, 1)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        correct, total = 0, 0
        for tokens, lengths, labels in loader:
            logits = self.model(tokens.to(self.device), lengths.to(self.device))
            correct += (logits.argmax(-1).cpu() == labels).sum().item()
            total += labels.numel()
        self.model.train()
        return correct / max(total, 1)

    def fit(self, train_loader, val_loader):
        for epoch in range(self.cfg.epochs):
            tr = self.train_epoch(train_loader, epoch)
            acc = self.evaluate(val_loader)
            logger.info("epoch %d train_loss %.4f val_acc %.4f", epoch, tr, acc)


def main():
    logging.basicConfig(level=logging.INFO)
    cfg = TrainConfig()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(SyntheticNews(8000, cfg), batch_size=cfg.batch_size, shuffle=True)
    val_loader = DataLoader(SyntheticNews(1000, cfg), batch_size=128)
    model = BiLSTMClassifier(cfg)
    trainer = Trainer(model, cfg, device)
    trainer.fit(train_loader, val_loader)
    torch.save(model.state_dict(), "bilstm_probe.pt")


if __name__ == "__main__":
    main()
