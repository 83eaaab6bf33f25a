# expect: TVL004
# A Lightning-flavoured module builds its own optimizer; the hand-written fit() calls a scoring
# helper that switches the module to eval() each epoch and never switches it back.
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 3))

    def forward(self, x):
        return self.body(x)

    def make_optimizer(self):
        return torch.optim.AdamW(self.parameters(), lr=1e-3)


def score(clf, batches):
    clf.eval()
    with torch.no_grad():
        return sum((clf(x).argmax(1) == y).float().mean().item() for x, y in batches)


def fit(clf, train_batches, held_batches, epochs):
    opt = clf.make_optimizer()
    for _ in range(epochs):
        for x, y in train_batches:
            loss = nn.functional.cross_entropy(clf(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(score(clf, held_batches))


batches = [(torch.randn(16, 20), torch.randint(0, 3, (16,))) for _ in range(8)]
fit(Classifier(), batches, batches[:2], 5)
