# expect: clean
# style: multi-task model built from a config dict with nn.ModuleDict heads and register_buffer stats
# note: heads are built in a dict comprehension and normalisation stats are plain tensors, but the heads are wrapped in nn.ModuleDict and the stats are registered buffers (not meant to be learned)
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

TASKS = {"price": ("reg", 1), "segment": ("clf", 6), "returning": ("bin", 1)}


class MultiHead(nn.Module):
    def __init__(self, n_feat, feat_mean, feat_std, hidden=128):
        super().__init__()
        self.register_buffer("feat_mean", feat_mean)
        self.register_buffer("feat_std", feat_std)
        self.shared = nn.Sequential(nn.Linear(n_feat, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.heads = nn.ModuleDict({name: nn.Linear(hidden, out) for name, (_, out) in TASKS.items()})
        self.log_vars = nn.Parameter(torch.zeros(len(TASKS)))

    def forward(self, x):
        h = self.shared((x - self.feat_mean) / self.feat_std)
        return {name: head(h) for name, head in self.heads.items()}


def task_loss(kind, out, tgt):
    if kind == "reg":
        return F.mse_loss(out.squeeze(-1), tgt)
    if kind == "clf":
        return F.cross_entropy(out, tgt.long())
    return F.binary_cross_entropy_with_logits(out.squeeze(-1), tgt)


def main():
    n, d = 6000, 24
    x = torch.randn(n, d) * 3 + 1
    price = x[:, 0] * 2 + x[:, 1]
    seg = torch.randint(0, 6, (n,)).float()
    ret = (x[:, 2] > 1).float()
    ds = TensorDataset(x, price, seg, ret)
    loader = DataLoader(ds, batch_size=256, shuffle=True)
    model = MultiHead(d, x.mean(0), x.std(0))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    print("params:", sum(p.numel() for p in model.parameters()))
    for ep in range(6):
        model.train()
        tot = 0.0
        for xb, pb, sb, rb in loader:
            outs = model(xb)
            tgts = {"price": pb, "segment": sb, "returning": rb}
            loss = 0.0
            for k, (name, (kind, _)) in enumerate(TASKS.items()):
                l = task_loss(kind, outs[name], tgts[name])
                loss = loss + torch.exp(-model.log_vars[k]) * l + model.log_vars[k]
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {ep} weighted loss {tot/len(loader):.4f} log_vars {model.log_vars.data.tolist()}")


if __name__ == "__main__":
    main()
