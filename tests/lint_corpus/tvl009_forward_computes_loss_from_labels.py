# expect: TVL009
# A model that returns its own loss when given labels (the Hugging Face habit); the loop calls
# model(x, labels) and forward converts the class numbers to float for cross_entropy.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Classifier(nn.Module):
    def __init__(self, d_in=24, n_cls=6):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 48), nn.ReLU(), nn.Linear(48, n_cls))

    def forward(self, x, labels=None):
        logits = self.body(x)
        if labels is None:
            return logits
        return F.cross_entropy(logits, labels.float())


feats, classes = torch.randn(640, 24), torch.randint(0, 6, (640,))
train = DataLoader(TensorDataset(feats, classes), batch_size=32, shuffle=True)
clf = Classifier()
opt = torch.optim.AdamW(clf.parameters(), lr=2e-3)
for x, c in train:
    loss = clf(x, c)
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    guesses = clf(feats).argmax(dim=1)
