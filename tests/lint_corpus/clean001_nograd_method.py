# expect: clean
import torch
import torch.nn as nn


class Scorer:
    """Scores a batch of (query, doc) pairs with a margin ranking loss."""

    def __init__(self, encoder, margin=0.2):
        self.encoder = encoder
        self.margin = margin

    def __call__(self, q, pos, neg):
        eq, ep, en = self.encoder(q), self.encoder(pos), self.encoder(neg)
        s_pos = (eq * ep).sum(-1)
        s_neg = (eq * en).sum(-1)
        return torch.relu(self.margin - s_pos + s_neg).mean()


enc = nn.Sequential(nn.Linear(300, 256), nn.ReLU(), nn.Linear(256, 64))
rank_loss = Scorer(enc)
opt = torch.optim.Adam(enc.parameters(), lr=1e-4)
for step in range(500):
    q, p, n = torch.randn(3, 32, 300).unbind(0)
    loss = rank_loss(q, p, n)
    opt.zero_grad()
    loss.backward()
    opt.step()
