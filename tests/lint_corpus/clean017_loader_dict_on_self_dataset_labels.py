# expect: clean
# The loaders live in a dict the session keeps (built by a helper, handed to the constructor);
# the test scores are paired with `self.dls["test"].dataset.y`, which stays in file order.
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, Dataset


class Rows(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def make_loaders(fit_rows, held_rows):
    return {
        "fit": DataLoader(fit_rows, batch_size=32, shuffle=True),
        "test": DataLoader(held_rows, batch_size=256, shuffle=False),
    }


class Session:
    def __init__(self, net, dls):
        self.net, self.dls = net, dls

    @torch.no_grad()
    def score(self):
        self.net.eval()
        probs = []
        for xb, _ in self.dls["test"]:
            probs.extend(torch.sigmoid(self.net(xb)).squeeze(1).tolist())
        return roc_auc_score(self.dls["test"].dataset.y.numpy(), probs)


if __name__ == "__main__":
    fit = Rows(torch.randn(500, 6), (torch.rand(500) > 0.5).float())
    held = Rows(torch.randn(200, 6), (torch.rand(200) > 0.5).float())
    print(Session(nn.Linear(6, 1), make_loaders(fit, held)).score())
