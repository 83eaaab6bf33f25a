# expect: clean
# style: layer-wise learning-rate decay optimizer builder for a small BERT-like encoder, sentence-pair classification
# note: several param groups are built by filtering named_parameters, which can look like overlapping or partial groups, but every parameter lands in exactly one group and the builder asserts full coverage
import logging
import re

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("llrd")


class Encoder(nn.Module):
    def __init__(self, vocab=10000, d=128, n_layers=4):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, d)
        self.type_emb = nn.Embedding(2, d)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(d, 4, 4 * d, 0.1, batch_first=True) for _ in range(n_layers)])
        self.pooler = nn.Linear(d, d)
        self.classifier = nn.Linear(d, 3)

    def forward(self, ids, types):
        h = self.embeddings(ids) + self.type_emb(types)
        for layer in self.layers:
            h = layer(h)
        return self.classifier(torch.tanh(self.pooler(h[:, 0])))


def layer_id(name, n_layers):
    if name.startswith(("embeddings", "type_emb")):
        return 0
    m = re.match(r"layers\.(\d+)\.", name)
    if m:
        return int(m.group(1)) + 1
    return n_layers + 1


def build_llrd_optimizer(model, base_lr=5e-4, decay=0.8, wd=0.01):
    n_layers = len(model.layers)
    groups = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        lid = layer_id(name, n_layers)
        no_wd = p.ndim == 1 or name.endswith(".bias")
        key = (lid, no_wd)
        if key not in groups:
            groups[key] = {"params": [], "lr": base_lr * decay ** (n_layers + 1 - lid),
                           "weight_decay": 0.0 if no_wd else wd}
        groups[key]["params"].append(p)
    n_grouped = sum(len(g["params"]) for g in groups.values())
    assert n_grouped == len([p for p in model.parameters() if p.requires_grad]), "parameter missing from groups"
    return torch.optim.AdamW(list(groups.values()))


def main():
    logging.basicConfig(level=logging.INFO)
    ids = torch.randint(1, 10000, (6000, 64))
    types = torch.cat([torch.zeros(6000, 32, dtype=torch.long), torch.ones(6000, 32, dtype=torch.long)], 1)
    y = (ids[:, 1] % 3)
    train_loader = DataLoader(TensorDataset(ids[:5000], types[:5000], y[:5000]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(ids[5000:], types[5000:], y[5000:]), batch_size=256)
    model = Encoder()
    opt = build_llrd_optimizer(model)
    log.info("%d param groups, lrs %s", len(opt.param_groups), sorted({round(g["lr"], 6) for g in opt.param_groups}))
    for epoch in range(5):
        model.train()
        for xb, tb, yb in train_loader:
            loss = F.cross_entropy(model(xb, tb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb, tb).argmax(1) == yb).sum().item() for xb, tb, yb in val_loader) / 1000
        log.info("epoch %d loss %.4f acc %.4f", epoch, loss.item(), acc)


if __name__ == "__main__":
    main()
