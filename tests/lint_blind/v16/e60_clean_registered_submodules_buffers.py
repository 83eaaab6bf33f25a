# expect: clean
# style: research model code, hierarchical graph/text classifier with ModuleDict heads, nn.Parameter temperature and register_buffer
# note: sub-modules live in nn.ModuleList/nn.ModuleDict, the learnable temperature is an nn.Parameter, the fixed label prior is a buffer, and the only plain Python containers hold names and ints
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("hier")

LEVELS = {"coarse": 8, "fine": 64}


class HierClassifier(nn.Module):
    def __init__(self, d_in=300, d=256, n_layers=3, levels=LEVELS, prior=None):
        super().__init__()
        self.level_names = list(levels)          # plain list of strings, not modules
        self.layer_sizes = [d] * n_layers        # plain list of ints
        self.inp = nn.Linear(d_in, d)
        self.layers = nn.ModuleList([nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU()) for _ in range(n_layers)])
        self.heads = nn.ModuleDict({name: nn.Linear(d, n) for name, n in levels.items()})
        self.log_temp = nn.Parameter(torch.zeros(()))
        if prior is None:
            prior = torch.full((levels["fine"],), 1.0 / levels["fine"])
        self.register_buffer("log_prior", prior.log())

    def forward(self, x):
        h = self.inp(x)
        for layer in self.layers:
            h = h + layer(h)
        out = {name: head(h) for name, head in self.heads.items()}
        out["fine"] = out["fine"] / self.log_temp.exp() - 0.1 * self.log_prior
        return out


def build_model(cfg):
    model = HierClassifier(**cfg)
    names = {n for n, _ in model.named_parameters()}
    assert any(n.startswith("heads.fine") for n in names)
    return model


def train(model, loader, epochs=10, lr=1e-3):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    for epoch in range(epochs):
        model.train()
        agg = {k: 0.0 for k in model.level_names}
        for x, y_coarse, y_fine in loader:
            out = model(x)
            l_c = F.cross_entropy(out["coarse"], y_coarse)
            l_f = F.cross_entropy(out["fine"], y_fine)
            loss = 0.3 * l_c + l_f
            opt.zero_grad()
            loss.backward()
            opt.step()
            agg["coarse"] += l_c.item()
            agg["fine"] += l_f.item()
        logger.info("epoch %d coarse %.4f fine %.4f temp %.3f", epoch, agg["coarse"] / len(loader),
                    agg["fine"] / len(loader), model.log_temp.exp().item())
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    x = torch.randn(10000, 300)
    y_fine = torch.randint(0, 64, (10000,))
    y_coarse = y_fine // 8
    loader = DataLoader(TensorDataset(x, y_coarse, y_fine), batch_size=128, shuffle=True)
    prior = torch.bincount(y_fine, minlength=64).float() / len(y_fine)
    model = build_model({"d_in": 300, "prior": prior})
    device = "cuda" if torch.cuda.is_available() else "cpu"
    logger.info("params %d on %s", sum(p.numel() for p in model.parameters()), device)
    train(model, loader)
    torch.save(model.state_dict(), "hier.pt")
