# expect: TVL009
# style: document classification with a custom collate_fn and a training engine (NLP)
# bug: collate_batch builds labels with torch.tensor(..., dtype=torch.float) and the engine feeds them to F.nll_loss, which needs integer class indices.
import os
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("docs")
PAD_ID = 0


class NewsDataset(Dataset):
    def __init__(self, n=4000, vocab=30000, n_classes=20):
        self.samples = []
        for _ in range(n):
            L = random.randint(20, 300)
            self.samples.append(([random.randint(1, vocab - 1) for _ in range(L)], random.randrange(n_classes)))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def collate_batch(batch, max_len=256):
    ids = [torch.tensor(t[:max_len]) for t, _ in batch]
    labels = torch.tensor([lab for _, lab in batch], dtype=torch.float)
    ids = nn.utils.rnn.pad_sequence(ids, batch_first=True, padding_value=PAD_ID)
    return ids, labels


class CNNText(nn.Module):
    def __init__(self, vocab=30000, dim=128, n_classes=20, kernels=(3, 4, 5), n_filters=100):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=PAD_ID)
        self.convs = nn.ModuleList([nn.Conv1d(dim, n_filters, k) for k in kernels])
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(n_filters * len(kernels), n_classes)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        pooled = [F.relu(c(x)).max(dim=2).values for c in self.convs]
        return F.log_softmax(self.fc(self.drop(torch.cat(pooled, 1))), dim=-1)


class Engine:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def train_step(self, ids, labels):
        self.opt.zero_grad()
        logp = self.model(ids)
        loss = F.nll_loss(logp, labels)
        loss.backward()
        self.opt.step()
        return loss.item()

    def run(self, loader, epochs):
        for ep in range(epochs):
            self.model.train()
            losses = [self.train_step(ids, labels) for ids, labels in loader]
            log.info("epoch %d nll %.4f", ep, sum(losses) / len(losses))


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(NewsDataset(), batch_size=32, shuffle=True, collate_fn=collate_batch)
    Engine(CNNText()).run(loader, epochs=5)
