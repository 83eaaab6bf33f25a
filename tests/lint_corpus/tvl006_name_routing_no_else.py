# expect: TVL006
# Parameters are sorted by name into two learning-rate groups; the output projection's names
# start with neither prefix, so it is in no group: it gets gradients and is never updated.
import torch
from torch import nn


class Seq2Vec(nn.Module):
    def __init__(self, vocab, width):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.encoder = nn.GRU(width, width, batch_first=True)
        self.out_proj = nn.Linear(width, 3)

    def forward(self, tokens):
        states, _ = self.encoder(self.embed(tokens))
        return self.out_proj(states[:, -1])


def make_optimizer(net, base_lr):
    slow, fast = [], []
    for pname, param in net.named_parameters():
        if pname.startswith("embed."):
            slow.append(param)
        elif pname.startswith("encoder."):
            fast.append(param)
    return torch.optim.Adam([{"params": slow, "lr": base_lr * 0.1}, {"params": fast}], lr=base_lr)


net = Seq2Vec(30000, 256)
optimizer = make_optimizer(net, 1e-3)
for tokens, label in batches:
    optimizer.zero_grad()
    nn.functional.cross_entropy(net(tokens), label).backward()
    optimizer.step()
