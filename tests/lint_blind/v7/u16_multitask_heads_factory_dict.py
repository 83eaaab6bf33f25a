# expect: TVL005
# style: multi-task NLP model built by a factory from a task config, hand-written loop
# bug: build_heads() returns a plain dict of nn.Linear heads and MultiTaskModel stores it as self.heads, so the task heads are never registered as sub-modules (not in parameters(), not moved by .to(), not saved).
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)

TASKS = {
    "sentiment": {"n_labels": 3},
    "topic": {"n_labels": 10},
    "toxicity": {"n_labels": 2},
}


def build_heads(task_cfg, hidden):
    heads = {}
    for name, spec in task_cfg.items():
        heads[name] = nn.Sequential(nn.Dropout(0.1), nn.Linear(hidden, spec["n_labels"]))
    return heads


class Encoder(nn.Module):
    def __init__(self, vocab=30000, d=256, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d, 4, d * 4, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)

    def forward(self, ids):
        pad = ids == 0
        h = self.enc(self.emb(ids), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return (h * keep).sum(1) / keep.sum(1).clamp(min=1)


class MultiTaskModel(nn.Module):
    def __init__(self, task_cfg, hidden=256):
        super().__init__()
        self.encoder = Encoder(d=hidden)
        self.heads = build_heads(task_cfg, hidden)

    def forward(self, ids, task):
        return self.heads[task](self.encoder(ids))


class TaskData(Dataset):
    def __init__(self, task, n_labels, n=2000, L=48):
        self.task = task
        self.ids = torch.randint(1, 30000, (n, L))
        self.ids[:, 40:] = 0
        self.y = torch.randint(0, n_labels, (n,))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.ids[i], self.y[i]


def main():
    logging.basicConfig(level=logging.INFO)
    loaders = {t: DataLoader(TaskData(t, c["n_labels"]), batch_size=32, shuffle=True) for t, c in TASKS.items()}
    model = MultiTaskModel(TASKS)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4)
    model.train()
    for epoch in range(3):
        iters = {t: iter(dl) for t, dl in loaders.items()}
        active = list(iters)
        step = 0
        while active:
            task = random.choice(active)
            try:
                ids, y = next(iters[task])
            except StopIteration:
                active.remove(task)
                continue
            loss = F.cross_entropy(model(ids, task), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step % 100 == 0:
                logger.info("epoch %d step %d task %s loss %.4f", epoch, step, task, loss.item())


if __name__ == "__main__":
    main()
