# expect: clean
# style: config-driven fine-tuning with layer-wise learning rates built by a factory, BERT-like encoder for sentiment
# note: the optimizer is built from several parameter groups by name prefix, but the groups are disjoint and a final catch-all group collects every remaining trainable parameter, so nothing trainable is left out or covered twice
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("llrd")

CFG = {"base_lr": 5e-5, "head_lr": 1e-3, "decay": 0.8, "weight_decay": 0.01, "epochs": 3, "layers": 6}


class Encoder(nn.Module):
    def __init__(self, vocab=30000, d=256, layers=6):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, d)
        self.layer = nn.ModuleList([nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True) for _ in range(layers)])
        self.pooler = nn.Linear(d, d)

    def forward(self, ids):
        x = self.embeddings(ids)
        for l in self.layer:
            x = l(x)
        return torch.tanh(self.pooler(x[:, 0]))


class Classifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = Encoder(layers=cfg["layers"])
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(256, 2)

    def forward(self, ids):
        return self.classifier(self.dropout(self.encoder(ids)))


def layerwise_groups(model, cfg):
    groups, seen = [], set()
    n = cfg["layers"]
    prefixes = [(f"encoder.layer.{i}.", cfg["base_lr"] * cfg["decay"] ** (n - 1 - i)) for i in range(n)]
    prefixes.append(("encoder.embeddings.", cfg["base_lr"] * cfg["decay"] ** n))
    prefixes.append(("classifier.", cfg["head_lr"]))
    for prefix, lr in prefixes:
        params = [p for name, p in model.named_parameters() if name.startswith(prefix) and p.requires_grad]
        seen.update(id(p) for p in params)
        groups.append({"params": params, "lr": lr, "weight_decay": cfg["weight_decay"]})
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in seen]
    groups.append({"params": rest, "lr": cfg["base_lr"], "weight_decay": cfg["weight_decay"]})
    log.info("param groups: %s", [len(g["params"]) for g in groups])
    return groups


def build_optimizer(model, cfg):
    return torch.optim.AdamW(layerwise_groups(model, cfg))


def main(cfg=CFG):
    logging.basicConfig(level=logging.INFO)
    ids, y = torch.randint(0, 30000, (6000, 64)), torch.randint(0, 2, (6000,))
    train_loader = DataLoader(TensorDataset(ids[:5000], y[:5000]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(ids[5000:], y[5000:]), batch_size=128)
    model = Classifier(cfg)
    opt = build_optimizer(model, cfg)
    total = cfg["epochs"] * len(train_loader)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / (0.1 * total)) * (1 - s / total))
    for epoch in range(cfg["epochs"]):
        model.train()
        for xb, yb in train_loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 1000
        log.info("epoch %d loss %.4f acc %.4f", epoch, loss.item(), acc)


if __name__ == "__main__":
    main()
