# expect: TVL008
# A recurrent model returns (distribution, hidden state); the distribution is softmax, and the
# training loop unpacks it and hands it to NLLLoss, which wants log-probabilities.
import torch
import torch.nn as nn
import torch.nn.functional as F


class WordGRU(nn.Module):
    def __init__(self, vocab, dim=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.proj = nn.Linear(dim, vocab)

    def forward(self, tokens, hidden=None):
        out, hidden = self.rnn(self.embed(tokens), hidden)
        return F.softmax(self.proj(out), dim=-1), hidden


lm = WordGRU(100)
nll = nn.NLLLoss()
opt = torch.optim.Adam(lm.parameters())
for _ in range(10):
    seq = torch.randint(0, 100, (4, 17))
    dist, _ = lm(seq[:, :-1])
    loss = nll(dist.flatten(0, 1), seq[:, 1:].flatten())
    opt.zero_grad()
    loss.backward()
    opt.step()
