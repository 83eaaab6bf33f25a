# expect: clean
# prepare() hands back each dataset beside its loader; the held-out loader keeps the order, so
# score() may compare the collected probabilities with the labels in their stored order.
import torch
from torch.utils.data import DataLoader, TensorDataset


def prepare(x_fit, y_fit, x_hold, y_hold):
    fit_set = TensorDataset(x_fit, y_fit)
    hold_set = TensorDataset(x_hold, y_hold)
    return fit_set, hold_set, DataLoader(fit_set, batch_size=32, shuffle=True), DataLoader(hold_set, batch_size=128, shuffle=False)


@torch.no_grad()
def score(model, rows, loader):
    probs = torch.cat([model(xb).sigmoid() for xb, _ in loader])
    return ((probs > 0.5).float() == rows.tensors[1]).float().mean().item()


def main(model, opt, data):
    _, b, fit_dl, hold_dl = prepare(*data)
    for epoch in range(4):
        for xb, yb in fit_dl:
            opt.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(model(xb), yb).backward()
            opt.step()
        print(epoch, score(model, b, hold_dl))
