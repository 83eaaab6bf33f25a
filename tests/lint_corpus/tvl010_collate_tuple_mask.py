# expect: TVL010
# A batching function returns (ids, keep, y) with keep True on real tokens; the training loop
# unpacks it and the model passes keep straight to nn.MultiheadAttention as key_padding_mask.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader


def batchify(rows):
    width = max(len(r[0]) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    for i, (seq, _) in enumerate(rows):
        ids[i, : len(seq)] = seq
    keep = ids != 0
    return ids, keep, torch.tensor([y for _, y in rows])


class Pooler(nn.Module):
    def __init__(self, vocab, dim=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.attn = nn.MultiheadAttention(dim, 4, batch_first=True)
        self.head = nn.Linear(dim, 2)

    def forward(self, ids, keep):
        h = self.emb(ids)
        h, _ = self.attn(h, h, h, key_padding_mask=keep)
        return self.head(h.mean(1))


net = Pooler(1000)
for ids, keep, y in DataLoader(rows, batch_size=16, shuffle=True, collate_fn=batchify):
    opt.zero_grad()
    nn.functional.cross_entropy(net(ids, keep), y).backward()
    opt.step()
