# expect: clean
# style: speech transformer encoder (conformer-free) with an additive float attention mask built in a helper, CTC training
# note: make_attn_bias() builds a float mask that is 0 where attending is allowed and -inf at padded keys; scaled_dot_product_attention adds float masks, so the sign convention is correct (not an inverted boolean mask)
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("asr-tf")


class Utts(Dataset):
    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            T = int(torch.randint(100, 300, (1,), generator=g))
            L = int(torch.randint(5, 30, (1,), generator=g))
            self.items.append((torch.randn(T, 80, generator=g), torch.randint(1, 32, (L,), generator=g)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    x, y = zip(*batch)
    xl = torch.tensor([len(a) for a in x])
    yl = torch.tensor([len(b) for b in y])
    return nn.utils.rnn.pad_sequence(x, batch_first=True), xl, nn.utils.rnn.pad_sequence(y, batch_first=True), yl


def make_attn_bias(lengths, T, dtype):
    valid = torch.arange(T)[None, :] < lengths[:, None]  # B, T ; True = real frame
    bias = torch.zeros(valid.shape, dtype=dtype)
    bias.masked_fill_(~valid, float("-inf"))
    return bias[:, None, None, :]  # B, 1, 1, T (broadcast over heads and queries)


class Layer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.ReLU(), nn.Linear(4 * d, d))
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, x, bias):
        B, T, D = x.shape
        q, k, v = self.qkv(self.n1(x)).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        x = x + self.o(a.transpose(1, 2).reshape(B, T, D))
        return x + self.ff(self.n2(x))


class SpeechTransformer(nn.Module):
    def __init__(self, d=192, h=4, L=4, vocab=32):
        super().__init__()
        self.sub = nn.Conv1d(80, d, 3, stride=2, padding=1)
        self.layers = nn.ModuleList([Layer(d, h) for _ in range(L)])
        self.out = nn.Linear(d, vocab)

    def forward(self, x, lengths):
        x = self.sub(x.transpose(1, 2)).transpose(1, 2)
        lengths = (lengths + 1) // 2
        bias = make_attn_bias(lengths, x.size(1), x.dtype)
        for layer in self.layers:
            x = layer(x, bias)
        return self.out(x).log_softmax(-1), lengths


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(Utts(2000), batch_size=16, shuffle=True, collate_fn=collate)
    model = SpeechTransformer()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * len(loader)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, xl, y, yl in loader:
            logp, ol = model(x, xl)
            loss = F.ctc_loss(logp.transpose(0, 1), y, ol, yl, zero_infinity=True)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        log.info("epoch %d ctc %.4f", epoch, tot / len(loader))
    torch.save(model.state_dict(), "speech_tf.pt")


if __name__ == "__main__":
    main()
