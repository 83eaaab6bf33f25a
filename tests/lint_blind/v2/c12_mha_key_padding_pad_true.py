# expect: clean
# style: speech-translation/ASR encoder with nn.MultiheadAttention and a padding mask derived from lengths (fairseq-like)
# note: key_padding_mask is True at padded frames, which is what nn.MultiheadAttention expects (True = ignore)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def lengths_to_padding_mask(lens, max_len):
    return torch.arange(max_len, device=lens.device)[None, :] >= lens[:, None]


class EncoderLayer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, dropout=0.1, batch_first=True)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Linear(4 * d, d))

    def forward(self, x, padding_mask):
        h = self.ln1(x)
        x = x + self.self_attn(h, h, h, key_padding_mask=padding_mask, need_weights=False)[0]
        return x + self.ffn(self.ln2(x))


class SpeakerIDModel(nn.Module):
    def __init__(self, n_mels=80, d=192, heads=4, layers=3, n_spk=100):
        super().__init__()
        self.inp = nn.Linear(n_mels, d)
        self.layers = nn.ModuleList([EncoderLayer(d, heads) for _ in range(layers)])
        self.out = nn.Linear(d, n_spk)

    def forward(self, feats, lens):
        pad = lengths_to_padding_mask(lens, feats.size(1))
        x = self.inp(feats)
        for layer in self.layers:
            x = layer(x, pad)
        keep = (~pad).unsqueeze(-1).float()
        return self.out((x * keep).sum(1) / keep.sum(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-epoch", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    feats = torch.randn(320, 200, 80)
    lens = torch.randint(50, 201, (320,))
    spk = torch.randint(0, 100, (320,))
    loader = DataLoader(TensorDataset(feats, lens, spk), batch_size=16, shuffle=True)
    model = SpeakerIDModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.max_epoch):
        model.train()
        for x, l, y in loader:
            loss = F.cross_entropy(model(x, l), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} | loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
