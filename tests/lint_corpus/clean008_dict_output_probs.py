# expect: clean
# The classifier returns a dict with both its scores and its probabilities; the training step
# picks the probabilities entry for a loss that applies softmax itself.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Scorer(nn.Module):
    def __init__(self, d=16, k=4):
        super().__init__()
        self.lin = nn.Linear(d, k)

    def forward(self, feats):
        scores = self.lin(feats)
        return {"scores": scores, "dist": F.softmax(scores, dim=1)}


def train_step(model, opt, feats, labels):
    opt.zero_grad()
    outputs = model(feats)
    loss = F.cross_entropy(outputs["scores"], labels)
    loss.backward()
    opt.step()
    return loss.item()


scorer = Scorer()
sgd = torch.optim.SGD(scorer.parameters(), lr=0.05)
for _ in range(30):
    train_step(scorer, sgd, torch.randn(10, 16), torch.randint(0, 4, (10,)))
