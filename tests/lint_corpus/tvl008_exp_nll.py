# expect: TVL008
"""A model that returns log-probabilities; the training step exponentiates them before nll_loss."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Tagger(nn.Module):
    def __init__(self, vocab=1000, tags=12):
        super().__init__()
        self.emb = nn.Embedding(vocab, 64)
        self.rnn = nn.GRU(64, 64, batch_first=True)
        self.out = nn.Linear(64, tags)

    def forward(self, tokens):
        h, _ = self.rnn(self.emb(tokens))
        return F.log_softmax(self.out(h), dim=-1)


model = Tagger()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(100):
    tokens, tags = torch.randint(0, 1000, (8, 20)), torch.randint(0, 12, (8, 20))
    log_probs = model(tokens)
    probs = torch.exp(log_probs)
    loss = F.nll_loss(probs.view(-1, probs.size(-1)), tags.view(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
