# expect: clean
# style: OpenNMT/fairseq-flavoured Transformer encoder classifier fed with HF-style attention_mask (1 = keep)
# note: key_padding_mask = ~attention_mask.bool() (True on padding), which is exactly nn.MultiheadAttention's convention
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=512):
        super().__init__()
        pe = torch.zeros(max_len, d_model)
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[: x.size(1)]


class EncoderClassifier(nn.Module):
    def __init__(self, vocab, d_model=128, nhead=4, num_layers=2, n_cls=5):
        super().__init__()
        self.emb = nn.Embedding(vocab, d_model, padding_idx=0)
        self.pos = PositionalEncoding(d_model)
        self.layers = nn.ModuleList([nn.MultiheadAttention(d_model, nhead, batch_first=True) for _ in range(num_layers)])
        self.norms = nn.ModuleList([nn.LayerNorm(d_model) for _ in range(num_layers)])
        self.out = nn.Linear(d_model, n_cls)

    def forward(self, input_ids, attention_mask):
        key_padding_mask = ~attention_mask.bool()
        x = self.pos(self.emb(input_ids))
        for attn, norm in zip(self.layers, self.norms):
            h, _ = attn(x, x, x, key_padding_mask=key_padding_mask, need_weights=False)
            x = norm(x + h)
        keep = attention_mask.unsqueeze(-1).to(x.dtype)
        return self.out((x * keep).sum(1) / keep.sum(1).clamp_min(1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    lens = torch.randint(4, 64, (3000,))
    attention_mask = (torch.arange(64)[None] < lens[:, None]).long()
    input_ids = torch.randint(1, 10000, (3000, 64)) * attention_mask
    labels = torch.randint(0, 5, (3000,))
    loader = DataLoader(TensorDataset(input_ids, attention_mask, labels), batch_size=32, shuffle=True)
    model = EncoderClassifier(10000)
    opt = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.9, 0.98))
    for epoch in range(args.epochs):
        model.train()
        for ids, mask, y in loader:
            loss = nn.functional.cross_entropy(model(ids, mask), y, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
