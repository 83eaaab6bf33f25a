# expect: clean
# style: multi-task model whose heads come from a registry helper, wrapped in nn.ModuleDict; plain dict used only for loss weights
# note: the heads are built into a Python dict by build_heads(), but the model wraps it in nn.ModuleDict; the remaining plain dicts hold floats and callables, not modules
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("mt")

TASKS = {"age": ("regression", 1), "gender": ("binary", 1), "emotion": ("multiclass", 7)}
LOSS_WEIGHTS = {"age": 0.05, "gender": 1.0, "emotion": 1.0}


def build_heads(dim):
    heads = {}
    for name, (_, out) in TASKS.items():
        heads[name] = nn.Sequential(nn.Linear(dim, dim // 2), nn.ReLU(), nn.Linear(dim // 2, out))
    return heads


def task_loss(kind, pred, target):
    if kind == "regression":
        return F.smooth_l1_loss(pred.squeeze(-1), target.float())
    if kind == "binary":
        return F.binary_cross_entropy_with_logits(pred.squeeze(-1), target.float())
    return F.cross_entropy(pred, target.long())


class FaceMultiTask(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.trunk = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.ReLU(), nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(),
                                   nn.Conv2d(128, dim, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.heads = nn.ModuleDict(build_heads(dim))
        self._kinds = {k: v[0] for k, v in TASKS.items()}

    def forward(self, x):
        f = self.trunk(x)
        return {name: head(f) for name, head in self.heads.items()}

    def loss(self, outputs, targets):
        parts = {k: task_loss(self._kinds[k], outputs[k], targets[k]) for k in outputs}
        total = sum(LOSS_WEIGHTS[k] * v for k, v in parts.items())
        return total, {k: v.item() for k, v in parts.items()}


def main(epochs=6):
    logging.basicConfig(level=logging.INFO)
    n = 3000
    x = torch.rand(n, 3, 64, 64)
    age = torch.randint(1, 90, (n,))
    gender = torch.randint(0, 2, (n,))
    emo = torch.randint(0, 7, (n,))
    loader = DataLoader(TensorDataset(x, age, gender, emo), batch_size=64, shuffle=True)
    model = FaceMultiTask()
    log.info("trainable tensors: %d", len(list(model.parameters())))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(epochs):
        model.train()
        agg = {k: 0.0 for k in TASKS}
        for xb, a, g, e in loader:
            out = model(xb)
            loss, parts = model.loss(out, {"age": a, "gender": g, "emotion": e})
            opt.zero_grad()
            loss.backward()
            opt.step()
            for k, v in parts.items():
                agg[k] += v
        log.info("epoch %d %s", ep, {k: round(v / len(loader), 4) for k, v in agg.items()})
    torch.save(model.state_dict(), "face_mt.pt")


if __name__ == "__main__":
    main()
