# expect: clean
# Loader settings live in a dict per split; the builder reads `shuffle` with a default of False
# and the training settings turn it on.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SETTINGS = {
    "fit": {"batch_size": 64, "num_workers": 0, "shuffle": True},
    "eval": {"batch_size": 256, "shuffle": False},
}


def loader_for(data, opts):
    opts = dict(opts)
    return DataLoader(data, batch_size=opts.pop("batch_size"), shuffle=opts.pop("shuffle", False))


rows = TensorDataset(torch.randn(1024, 5), torch.randn(1024, 1))
fit_dl = loader_for(rows, SETTINGS["fit"])
model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters())
for step, (x, y) in enumerate(fit_dl):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
