# expect: TVL005
# style: config-driven multi-task NLP model (intent + slot + sentiment), dict of heads, CPU
# bug: the per-task heads are kept in a plain dict attribute, so their weights are missing from model.parameters(), the optimizer and the saved state_dict
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("mtl")

TASKS = {
    "intent": {"n_classes": 21, "weight": 1.0, "level": "sequence"},
    "sentiment": {"n_classes": 3, "weight": 0.5, "level": "sequence"},
    "slot": {"n_classes": 41, "weight": 1.0, "level": "token"},
}
MODEL_CFG = {"vocab": 10000, "dim": 192, "layers": 2, "heads": 4, "max_len": 48}


class MultiTaskData(Dataset):
    def __init__(self, n):
        self.tok = torch.randint(1, MODEL_CFG["vocab"], (n, MODEL_CFG["max_len"]))
        self.labels = {
            "intent": torch.randint(0, 21, (n,)),
            "sentiment": torch.randint(0, 3, (n,)),
            "slot": torch.randint(0, 41, (n, MODEL_CFG["max_len"])),
        }

    def __len__(self):
        return len(self.tok)

    def __getitem__(self, i):
        return self.tok[i], {k: v[i] for k, v in self.labels.items()}


class SharedEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg["vocab"], cfg["dim"])
        self.pos = nn.Embedding(cfg["max_len"], cfg["dim"])
        layer = nn.TransformerEncoderLayer(cfg["dim"], cfg["heads"], cfg["dim"] * 4, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, cfg["layers"])

    def forward(self, tok):
        pos = torch.arange(tok.size(1), device=tok.device)
        return self.encoder(self.emb(tok) + self.pos(pos))


class MultiTaskModel(nn.Module):
    def __init__(self, model_cfg, tasks):
        super().__init__()
        self.encoder = SharedEncoder(model_cfg)
        self.tasks = tasks
        self.heads = {name: nn.Linear(model_cfg["dim"], t["n_classes"]) for name, t in tasks.items()}

    def forward(self, tok):
        h = self.encoder(tok)
        pooled = h.mean(1)
        out = {}
        for name, head in self.heads.items():
            out[name] = head(h) if self.tasks[name]["level"] == "token" else head(pooled)
        return out


def multitask_loss(outputs, labels, tasks):
    total, parts = 0.0, {}
    for name, t in tasks.items():
        logits = outputs[name]
        if t["level"] == "token":
            l = F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels[name].reshape(-1))
        else:
            l = F.cross_entropy(logits, labels[name])
        parts[name] = l.item()
        total = total + t["weight"] * l
    return total, parts


def train(epochs=5):
    model = MultiTaskModel(MODEL_CFG, TASKS)
    loader = DataLoader(MultiTaskData(4000), batch_size=64, shuffle=True)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    for epoch in range(epochs):
        model.train()
        agg = {k: 0.0 for k in TASKS}
        for tok, labels in loader:
            outputs = model(tok)
            loss, parts = multitask_loss(outputs, labels, TASKS)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            for k, v in parts.items():
                agg[k] += v / len(loader)
        logger.info("epoch %d %s", epoch, " ".join(f"{k}={v:.3f}" for k, v in agg.items()))
    torch.save(model.state_dict(), "mtl.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train()
