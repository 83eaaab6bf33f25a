# expect: TVL009
import torch
import torch.nn as nn
import torch.nn.functional as F


class Tagger(nn.Module):
    def __init__(self, vocab, tags):
        super().__init__()
        self.emb = nn.Embedding(vocab, 64)
        self.out = nn.Linear(64, tags)

    def forward(self, tokens):
        return F.log_softmax(self.out(self.emb(tokens)), dim=-1)


def check_step():
    model = Tagger(100, 5)
    tokens = torch.randint(0, 100, (32,))
    gold = torch.randint(0, 5, (32,)).to(torch.float32)
    loss = F.nll_loss(model(tokens), gold)
    loss.backward()
