# expect: TVL010
# A training function receives the model as a parameter; the collate function's mask is True on
# real tokens and reaches nn.TransformerEncoder as src_key_padding_mask through model(ids, pad).
import torch
import torch.nn as nn
from torch.utils.data import DataLoader


def real_tokens(lens, width):
    return torch.arange(width).unsqueeze(0) < lens.unsqueeze(1)


def pad_batch(items):
    seqs, ys = zip(*items)
    lens = torch.tensor([len(s) for s in seqs])
    ids = nn.utils.rnn.pad_sequence(list(seqs), batch_first=True)
    return ids, real_tokens(lens, ids.size(1)), torch.tensor(ys)


class Encoder(nn.Module):
    def __init__(self, vocab, dim=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        block = nn.TransformerEncoderLayer(dim, 4, batch_first=True)
        self.body = nn.TransformerEncoder(block, 2)
        self.out = nn.Linear(dim, 3)

    def forward(self, ids, pad):
        h = self.body(self.emb(ids), src_key_padding_mask=pad)
        return self.out(h[:, 0])


def fit(model, data, opt, device):
    for ids, pad, y in DataLoader(data, batch_size=32, shuffle=True, collate_fn=pad_batch):
        ids, pad, y = ids.to(device), pad.to(device), y.to(device)
        loss = nn.functional.cross_entropy(model(ids, pad), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


net = Encoder(100).to("cuda")
fit(net, data, torch.optim.Adam(net.parameters()), "cuda")
