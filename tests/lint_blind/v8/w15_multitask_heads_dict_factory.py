# expect: TVL005
# style: config-dict factory, multi-task NLP (intent + slot + sentiment) with a shared Transformer encoder
# bug: build_heads() returns a plain dict of nn.Linear heads and MultiTaskModel stores it as `self.heads`, so the task heads are not registered sub-modules and never reach the optimizer
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CONFIG = {
    "vocab_size": 8000,
    "d_model": 192,
    "n_layers": 3,
    "n_heads": 6,
    "max_len": 48,
    "tasks": {"intent": 21, "sentiment": 3, "domain": 7},
    "loss_weights": {"intent": 1.0, "sentiment": 0.5, "domain": 0.5},
    "optim": {"lr": 5e-4, "weight_decay": 0.01},
    "batch_size": 32,
    "epochs": 6,
}


class MultiTaskData(Dataset):
    def __init__(self, n, cfg, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randint(1, cfg["vocab_size"], (n, cfg["max_len"]), generator=g)
        self.y = {t: torch.randint(0, k, (n,), generator=g) for t, k in cfg["tasks"].items()}

    def __len__(self):
        return self.x.size(0)

    def __getitem__(self, i):
        return self.x[i], {t: v[i] for t, v in self.y.items()}


def build_encoder(cfg):
    layer = nn.TransformerEncoderLayer(cfg["d_model"], cfg["n_heads"], 4 * cfg["d_model"],
                                       dropout=0.1, batch_first=True, norm_first=True)
    return nn.TransformerEncoder(layer, cfg["n_layers"])


def build_heads(cfg):
    return {task: nn.Linear(cfg["d_model"], n_cls) for task, n_cls in cfg["tasks"].items()}


class MultiTaskModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        self.pos = nn.Embedding(cfg["max_len"], cfg["d_model"])
        self.encoder = build_encoder(cfg)
        self.heads = build_heads(cfg)

    def forward(self, x):
        pos = torch.arange(x.size(1), device=x.device)
        h = self.encoder(self.tok(x) + self.pos(pos)[None])
        pooled = h.mean(dim=1)
        return {task: head(pooled) for task, head in self.heads.items()}


def build_optimizer(model, cfg):
    return torch.optim.AdamW(model.parameters(), **cfg["optim"])


def compute_loss(outputs, targets, weights):
    losses = {t: F.cross_entropy(outputs[t], targets[t]) for t in outputs}
    total = sum(weights[t] * l for t, l in losses.items())
    return total, {t: l.item() for t, l in losses.items()}


def train(cfg):
    model = MultiTaskModel(cfg)
    optimizer = build_optimizer(model, cfg)
    train_loader = DataLoader(MultiTaskData(4000, cfg), batch_size=cfg["batch_size"], shuffle=True)
    val_loader = DataLoader(MultiTaskData(500, cfg, seed=1), batch_size=128)

    for epoch in range(cfg["epochs"]):
        model.train()
        agg = {t: 0.0 for t in cfg["tasks"]}
        for step, (x, ys) in enumerate(train_loader):
            optimizer.zero_grad()
            loss, parts = compute_loss(model(x), ys, cfg["loss_weights"])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            for t, v in parts.items():
                agg[t] += v
        model.eval()
        correct = {t: 0 for t in cfg["tasks"]}
        total = 0
        with torch.no_grad():
            for x, ys in val_loader:
                out = model(x)
                for t in out:
                    correct[t] += (out[t].argmax(-1) == ys[t]).sum().item()
                total += x.size(0)
        msg = " ".join(f"{t}:loss={agg[t] / len(train_loader):.3f},acc={correct[t] / total:.3f}" for t in cfg["tasks"])
        print(f"epoch {epoch} {msg}")
    return model


if __name__ == "__main__":
    trained = train(CONFIG)
    torch.save(trained.state_dict(), "multitask.pt")
