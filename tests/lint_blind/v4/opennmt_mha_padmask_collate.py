# expect: TVL010
# style: OpenNMT/fairseq-like encoder classifier with a batching collate that builds the padding mask
# bug: collate() builds src_mask = (src != PAD) (True = real token) and the encoder passes it as key_padding_mask to nn.MultiheadAttention, where True means "ignore" — only padding is attended
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader

PAD = 0


def make_examples(n=3000, vocab=8000, max_len=50):
    data = []
    for _ in range(n):
        L = int(torch.randint(5, max_len, (1,)))
        data.append((torch.randint(1, vocab, (L,)), int(torch.randint(0, 2, (1,)))))
    return data


def collate(batch):
    L = max(len(s) for s, _ in batch)
    src = torch.full((len(batch), L), PAD, dtype=torch.long)
    for i, (s, _) in enumerate(batch):
        src[i, :len(s)] = s
    src_mask = src != PAD
    tgt = torch.tensor([y for _, y in batch])
    return src, src_mask, tgt


class EncoderLayer(nn.Module):
    def __init__(self, d_model, heads, d_ff, dropout=0.1):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, heads, dropout=dropout, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.self_attn(h, h, h, key_padding_mask=mask, need_weights=False)[0]
        return x + self.ff(self.ln2(x))


class SentenceClassifier(nn.Module):
    def __init__(self, vocab=8000, d_model=256, heads=4, layers=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=PAD)
        self.layers = nn.ModuleList(EncoderLayer(d_model, heads, 4 * d_model) for _ in range(layers))
        self.generator = nn.Linear(d_model, 2)

    def forward(self, src, src_mask):
        x = self.embed(src)
        for layer in self.layers:
            x = layer(x, src_mask)
        keep = src_mask.unsqueeze(-1).float()
        return self.generator((x * keep).sum(1) / keep.sum(1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("-train_steps", type=int, default=1000)
    opt = ap.parse_args()
    model = SentenceClassifier()
    optim = torch.optim.Adam(model.parameters(), lr=2e-4, betas=(0.9, 0.998))
    loader = DataLoader(make_examples(), batch_size=64, shuffle=True, collate_fn=collate)
    step = 0
    while step < opt.train_steps:
        for src, src_mask, tgt in loader:
            loss = F.cross_entropy(model(src, src_mask), tgt)
            optim.zero_grad()
            loss.backward()
            optim.step()
            step += 1
