# expect: TVL017
"""One builder serves every split: it unpacks the options stored under the split's name. The
options for "holdout" turn shuffling on, and the scoring code lines the collected scores up
with the dataset's own targets, so each score is judged against another sample's target."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

OPTIONS = {
    "data": {
        "fit": {"batch_size": 128, "shuffle": True},
        "holdout": {"batch_size": 512, "shuffle": True},
    },
    "steps": 3,
}


def loader_for(dataset, which, options):
    return DataLoader(dataset, **options["data"][which])


@torch.no_grad()
def score(net, dataset, options):
    net.eval()
    outs = [net(x).squeeze(-1) for x, _ in loader_for(dataset, "holdout", options)]
    pred = torch.cat(outs)
    err = (pred - dataset.tensors[1]).abs().mean().item()
    net.train()
    return err


def run(options=OPTIONS):
    fit_set = TensorDataset(torch.randn(4096, 6), torch.randn(4096))
    hold_set = TensorDataset(torch.randn(512, 6), torch.randn(512))
    net = nn.Linear(6, 1)
    opt = torch.optim.Adam(net.parameters())
    for _ in range(options["steps"]):
        for x, y in loader_for(fit_set, "fit", options):
            opt.zero_grad()
            nn.functional.l1_loss(net(x).squeeze(-1), y).backward()
            opt.step()
        print(score(net, hold_set, options))


run()
