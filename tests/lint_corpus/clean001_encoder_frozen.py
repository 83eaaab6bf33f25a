# expect: clean
"""A retrieval model whose query encoder is frozen on purpose: under no_grad and not in the
optimizer."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class DualEncoder(nn.Module):
    def __init__(self, dim=64):
        super().__init__()
        self.query_encoder = nn.Sequential(nn.Linear(128, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.doc_encoder = nn.Sequential(nn.Linear(128, dim), nn.ReLU(), nn.Linear(dim, dim))

    def encode_queries(self, q):
        with torch.no_grad():
            return F.normalize(self.query_encoder(q), dim=-1)

    def encode_docs(self, d):
        return F.normalize(self.doc_encoder(d), dim=-1)

    def forward(self, q, d):
        return self.encode_queries(q) @ self.encode_docs(d).T


model = DualEncoder()
optimizer = torch.optim.Adam(list(model.doc_encoder.parameters()), lr=1e-4)
for step in range(200):
    q, d = torch.randn(16, 128), torch.randn(16, 128)
    scores = model(q, d) / 0.05
    loss = F.cross_entropy(scores, torch.arange(16))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
