# expect: TVL005
# style: multi-task NLP encoder with task heads built by a registry helper
# bug: MultiTaskModel stores the per-task heads in a plain dict returned by build_heads(), so the heads are not registered sub-modules
import logging
from dataclasses import dataclass, field
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("mtl")


@dataclass
class TaskSpec:
    name: str
    n_labels: int
    weight: float = 1.0


@dataclass
class MTLConfig:
    vocab: int = 8000
    dim: int = 256
    layers: int = 2
    tasks: list = field(default_factory=lambda: [TaskSpec("sentiment", 3), TaskSpec("topic", 10, 0.5),
                                                 TaskSpec("toxicity", 2, 2.0)])
    lr: float = 3e-4
    epochs: int = 4


HEAD_REGISTRY = {}


def register_head(kind):
    def deco(fn):
        HEAD_REGISTRY[kind] = fn
        return fn
    return deco


@register_head("mlp")
def mlp_head(dim, n_labels):
    return nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Dropout(0.1), nn.Linear(dim, n_labels))


def build_heads(cfg: MTLConfig, kind="mlp") -> Dict[str, nn.Module]:
    return {t.name: HEAD_REGISTRY[kind](cfg.dim, t.n_labels) for t in cfg.tasks}


class MultiTaskModel(nn.Module):
    def __init__(self, cfg: MTLConfig):
        super().__init__()
        self.emb = nn.Embedding(cfg.vocab, cfg.dim, padding_idx=0)
        layer = nn.TransformerEncoderLayer(cfg.dim, 4, cfg.dim * 4, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, cfg.layers)
        self.heads = build_heads(cfg)

    def forward(self, ids, task):
        h = self.encoder(self.emb(ids))
        return self.heads[task](h.mean(1))


class TaskData(Dataset):
    def __init__(self, spec, n, vocab, seq=48):
        self.spec = spec
        self.ids = torch.randint(1, vocab, (n, seq))
        self.y = torch.randint(0, spec.n_labels, (n,))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.ids[i], self.y[i]


def round_robin(loaders):
    iters = {k: iter(v) for k, v in loaders.items()}
    while iters:
        for k in list(iters):
            try:
                yield k, next(iters[k])
            except StopIteration:
                del iters[k]


def train(cfg: MTLConfig):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = MultiTaskModel(cfg).to(device)
    weights = {t.name: t.weight for t in cfg.tasks}
    loaders = {t.name: DataLoader(TaskData(t, 3000, cfg.vocab), batch_size=32, shuffle=True) for t in cfg.tasks}
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    for epoch in range(cfg.epochs):
        model.train()
        per_task = {k: [] for k in loaders}
        for task, (ids, y) in round_robin(loaders):
            ids, y = ids.to(device), y.to(device)
            loss = weights[task] * F.cross_entropy(model(ids, task), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            per_task[task].append(loss.item())
        log.info("epoch %d %s", epoch, {k: round(sum(v) / len(v), 4) for k, v in per_task.items()})
    torch.save(model.state_dict(), "mtl.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train(MTLConfig())
