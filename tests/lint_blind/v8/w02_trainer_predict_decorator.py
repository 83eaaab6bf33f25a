# expect: TVL001
# style: Trainer class, text classification with bag-of-embeddings, hand-written loop
# bug: training_step reuses the `predict` helper, which is decorated with @torch.inference_mode(), so the logits fed to the loss never track gradients
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


@dataclass
class TrainConfig:
    vocab_size: int = 20000
    embed_dim: int = 128
    num_classes: int = 4
    max_len: int = 64
    batch_size: int = 64
    lr: float = 2e-3
    epochs: int = 5
    log_every: int = 100


class NewsDataset(Dataset):
    def __init__(self, n, cfg):
        g = torch.Generator().manual_seed(n)
        self.tokens = torch.randint(1, cfg.vocab_size, (n, cfg.max_len), generator=g)
        self.lengths = torch.randint(8, cfg.max_len, (n,), generator=g)
        self.labels = torch.randint(0, cfg.num_classes, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        toks = self.tokens[i].clone()
        toks[self.lengths[i]:] = 0
        return toks, self.labels[i]


class FastTextClassifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embedding = nn.EmbeddingBag(cfg.vocab_size, cfg.embed_dim, mode="mean", padding_idx=0)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(cfg.embed_dim, cfg.num_classes)

    def forward(self, tokens):
        return self.fc(self.dropout(self.embedding(tokens)))


class Trainer:
    def __init__(self, model, cfg, device="cpu"):
        self.model = model.to(device)
        self.cfg = cfg
        self.device = device
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
        self.global_step = 0

    @torch.inference_mode()
    def predict(self, tokens):
        """Return raw logits for a batch of token ids."""
        return self.model(tokens.to(self.device))

    def training_step(self, batch):
        tokens, labels = batch
        logits = self.predict(tokens)
        return F.cross_entropy(logits, labels.to(self.device))

    def fit(self, train_loader, val_loader):
        for epoch in range(self.cfg.epochs):
            self.model.train()
            total, n = 0.0, 0
            for batch in train_loader:
                self.optimizer.zero_grad()
                loss = self.training_step(batch)
                loss.backward()
                self.optimizer.step()
                self.global_step += 1
                total += loss.item()
                n += 1
                if self.global_step % self.cfg.log_every == 0:
                    print(f"step {self.global_step} loss {total / n:.4f} ppl {math.exp(total / n):.2f}")
            acc = self.validate(val_loader)
            print(f"epoch {epoch}: train_loss={total / max(n, 1):.4f} val_acc={acc:.4f}")

    def validate(self, loader):
        self.model.eval()
        correct = count = 0
        for tokens, labels in loader:
            preds = self.predict(tokens).argmax(-1).cpu()
            correct += (preds == labels).sum().item()
            count += labels.numel()
        self.model.train()
        return correct / count


def main():
    cfg = TrainConfig()
    train_ds, val_ds = NewsDataset(8000, cfg), NewsDataset(1000, cfg)
    train_loader = DataLoader(train_ds, batch_size=cfg.batch_size, shuffle=True, num_workers=2)
    val_loader = DataLoader(val_ds, batch_size=256)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    trainer = Trainer(FastTextClassifier(cfg), cfg, device)
    trainer.fit(train_loader, val_loader)
    torch.save(trainer.model.state_dict(), "fasttext.pt")


if __name__ == "__main__":
    main()
