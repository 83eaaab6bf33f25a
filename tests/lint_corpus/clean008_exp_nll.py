# expect: clean
"""A model that returns log-probabilities; nll_loss takes them as they are."""
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
    loss = F.nll_loss(log_probs.view(-1, log_probs.size(-1)), tags.view(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
