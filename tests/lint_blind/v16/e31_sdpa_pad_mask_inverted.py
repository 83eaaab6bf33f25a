# expect: TVL010
# style: hand-written BERT-style encoder for NER with F.scaled_dot_product_attention, collate builds a padding mask
# bug: collate() produces pad_mask with True at padding positions and the attention layer passes it straight to scaled_dot_product_attention, where True means "may attend", so tokens attend only to padding
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ner")
PAD = 0
MAX_LEN = 64


class NERData(Dataset):
    def __init__(self, n, vocab=12000, n_tags=9, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            L = int(torch.randint(8, 60, (1,), generator=g))
            self.items.append((torch.randint(1, vocab, (L,), generator=g), torch.randint(0, n_tags, (L,), generator=g)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    toks, tags = zip(*batch)
    toks = nn.utils.rnn.pad_sequence(toks, batch_first=True, padding_value=PAD)
    tags = nn.utils.rnn.pad_sequence(tags, batch_first=True, padding_value=-100)
    # fixed-length batches keep the compiled kernels happy
    toks = F.pad(toks, (0, MAX_LEN - toks.size(1)), value=PAD)
    tags = F.pad(tags, (0, MAX_LEN - tags.size(1)), value=-100)
    pad_mask = toks.eq(PAD)
    return toks, tags, pad_mask


class SelfAttention(nn.Module):
    def __init__(self, d, h, p=0.1):
        super().__init__()
        self.h, self.dk = h, d // h
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.p = p

    def forward(self, x, pad_mask):
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, self.dk).permute(2, 0, 3, 1, 4)
        mask = pad_mask[:, None, None, :]  # B,1,1,T
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.p if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(B, T, D))


class EncoderLayer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.attn = SelfAttention(d, h)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, pad_mask):
        x = self.n1(x + self.drop(self.attn(x, pad_mask)))
        return self.n2(x + self.drop(self.ff(x)))


class Tagger(nn.Module):
    def __init__(self, vocab=12000, d=256, h=4, layers=4, n_tags=9, max_len=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        self.layers = nn.ModuleList([EncoderLayer(d, h) for _ in range(layers)])
        self.cls = nn.Linear(d, n_tags)

    def forward(self, toks, pad_mask):
        x = self.tok(toks) + self.pos(torch.arange(toks.size(1), device=toks.device))
        for layer in self.layers:
            x = layer(x, pad_mask)
        return self.cls(x)


def token_accuracy(model, loader):
    model.eval()
    c = n = 0
    with torch.no_grad():
        for toks, tags, pm in loader:
            pred = model(toks, pm).argmax(-1)
            valid = tags.ne(-100)
            c += (pred.eq(tags) & valid).sum().item()
            n += valid.sum().item()
    model.train()
    return c / max(n, 1)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(NERData(4000), batch_size=32, shuffle=True, collate_fn=collate)
    dev_loader = DataLoader(NERData(500, seed=1), batch_size=64, collate_fn=collate)
    model = Tagger()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    for epoch in range(6):
        model.train()
        for step, (toks, tags, pm) in enumerate(train_loader):
            logits = model(toks, pm)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), tags.view(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % 50 == 0:
                log.info("epoch %d step %d loss %.4f ppl %.2f", epoch, step, loss.item(), math.exp(loss.item()))
        log.info("epoch %d dev token acc %.4f", epoch, token_accuracy(model, dev_loader))
