# expect: clean
# style: fastai-style one-cycle training of a tabular model; scheduler built by a factory and stepped per batch
# note: the scheduler is stepped every batch, which is right for OneCycleLR sized with steps_per_epoch=len(loader); it runs after optimizer.step()
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFG = {"epochs": 12, "max_lr": 1e-2, "bs": 256, "pct_start": 0.25, "emb_dims": [(10, 4), (25, 8), (7, 3)]}


class TabularNet(nn.Module):
    def __init__(self, emb_dims, n_cont, n_out=2):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, d) for c, d in emb_dims])
        n_emb = sum(d for _, d in emb_dims)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        self.mlp = nn.Sequential(nn.Linear(n_emb + n_cont, 200), nn.ReLU(), nn.BatchNorm1d(200),
                                 nn.Dropout(0.1), nn.Linear(200, 100), nn.ReLU(), nn.Linear(100, n_out))

    def forward(self, x_cat, x_cont):
        e = torch.cat([emb(x_cat[:, i]) for i, emb in enumerate(self.embs)], 1)
        return self.mlp(torch.cat([e, self.bn_cont(x_cont)], 1))


def make_scheduler(opt, cfg, steps_per_epoch):
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["max_lr"], epochs=cfg["epochs"],
                                               steps_per_epoch=steps_per_epoch, pct_start=cfg["pct_start"])


def fit_one_cycle(cfg):
    n = 12000
    x_cat = torch.stack([torch.randint(0, c, (n,)) for c, _ in cfg["emb_dims"]], 1)
    x_cont = torch.randn(n, 6)
    y = ((x_cont[:, 0] > 0) ^ (x_cat[:, 0] % 2 == 0)).long()
    loader = DataLoader(TensorDataset(x_cat, x_cont, y), batch_size=cfg["bs"], shuffle=True, drop_last=True)
    model = TabularNet(cfg["emb_dims"], 6)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["max_lr"] / 25, weight_decay=0.01)
    sched = make_scheduler(opt, cfg, len(loader))
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = correct = seen = 0
        for xc, xn, yb in loader:
            out = model(xc, xn)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(yb)
        print(f"epoch {epoch:2d} loss {tot/seen:.4f} acc {correct/seen:.4f} lr {sched.get_last_lr()[0]:.5f}")


def lr_finder_preview(cfg, steps_per_epoch=40):
    """Print the LR curve the one-cycle policy will follow (no training)."""
    dummy = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=cfg["max_lr"] / 25)
    s = make_scheduler(dummy, cfg, steps_per_epoch)
    lrs = []
    for _ in range(cfg["epochs"] * steps_per_epoch):
        dummy.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
    print("lr min/max/final:", min(lrs), max(lrs), lrs[-1])


if __name__ == "__main__":
    lr_finder_preview(CFG)
    fit_one_cycle(CFG)
