# expect: clean
# A helper picks what to train and returns every parameter of the tagger: nothing that gets
# a gradient is left out of the optimizer.
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab=500, dim=32, tags=9):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, tags)

    def forward(self, ids):
        h, _ = self.rnn(self.embed(ids))
        return self.out(h)


def params_to_train(tagger):
    return tagger.parameters()


tagger = Tagger()
opt = torch.optim.Adam(params_to_train(tagger), lr=2e-3)
for step in range(200):
    ids = torch.randint(0, 500, (8, 20))
    gold = torch.randint(0, 9, (8, 20))
    loss = nn.functional.cross_entropy(tagger(ids).flatten(0, 1), gold.flatten())
    opt.zero_grad()
    loss.backward()
    opt.step()
