# expect: TVL010
"""The collate_fn returns a mask that is True on real tokens, and the model hands it to
MultiheadAttention as key_padding_mask (True = ignore). The batch is unpacked under the same
names in the training loop and in the validation loop, over two loaders."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader


def pad_batch(items):
    seqs, ys = zip(*items)
    tokens = pad_sequence(seqs, batch_first=True, padding_value=0)
    return tokens, tokens != 0, torch.tensor(ys)


class Pooler(nn.Module):
    def __init__(self, vocab=500, d=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.attn = nn.MultiheadAttention(d, 4, batch_first=True)
        self.out = nn.Linear(d, 2)

    def forward(self, tokens, pad):
        h = self.emb(tokens)
        h, _ = self.attn(h, h, h, key_padding_mask=pad)
        return self.out(h.mean(1))


data = [(torch.randint(1, 500, (n,)), n % 2) for n in range(3, 40)]
train_loader = DataLoader(data, batch_size=8, shuffle=True, collate_fn=pad_batch)
val_loader = DataLoader(data[:10], batch_size=8, collate_fn=pad_batch)
model = Pooler()
opt = torch.optim.Adam(model.parameters())
for tokens, pad, y in train_loader:
    loss = nn.functional.cross_entropy(model(tokens, pad), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    for tokens, pad, y in val_loader:
        print((model(tokens, pad).argmax(-1) == y).float().mean().item())
