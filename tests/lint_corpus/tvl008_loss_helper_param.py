# expect: TVL008
import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.proj = nn.Linear(d, k)

    def forward(self, x):
        return F.softmax(self.proj(x), dim=-1)


def criterion(out, y, smoothing=0.1):
    return F.cross_entropy(out, y, label_smoothing=smoothing)


def fit(clf, optim, steps):
    for _ in range(steps):
        x, y = torch.randn(32, 48), torch.randint(0, 6, (32,))
        out = clf(x)
        loss = criterion(out, y)
        optim.zero_grad()
        loss.backward()
        optim.step()


clf = Classifier(48, 6)
fit(clf, torch.optim.Adam(clf.parameters()), 500)
