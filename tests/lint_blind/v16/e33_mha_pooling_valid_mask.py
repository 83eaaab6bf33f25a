# expect: TVL010
# style: session-based recommender with attention pooling over click histories, nn.MultiheadAttention
# bug: length_mask() returns True for valid positions and it is passed as key_padding_mask, which nn.MultiheadAttention reads as True = ignore, so the query attends only to padded slots
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sessrec")
N_ITEMS, MAX_LEN = 20000, 30


class SessionData(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.sessions = [rng.integers(1, N_ITEMS, size=rng.integers(2, MAX_LEN + 1)) for _ in range(n)]

    def __len__(self):
        return len(self.sessions)

    def __getitem__(self, i):
        s = self.sessions[i]
        return torch.tensor(s[:-1]), int(s[-1])


def collate(batch):
    hist, nxt = zip(*batch)
    lengths = torch.tensor([len(h) for h in hist])
    hist = nn.utils.rnn.pad_sequence(hist, batch_first=True, padding_value=0)
    hist = F.pad(hist, (0, MAX_LEN - hist.size(1)), value=0)
    return hist, lengths, torch.tensor(nxt)


def length_mask(lengths, max_len):
    return torch.arange(max_len)[None, :] < lengths[:, None]


class AttnPoolRec(nn.Module):
    def __init__(self, d=128, heads=4):
        super().__init__()
        self.item_emb = nn.Embedding(N_ITEMS, d, padding_idx=0)
        self.pos_emb = nn.Embedding(MAX_LEN, d)
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.attn = nn.MultiheadAttention(d, heads, dropout=0.1, batch_first=True)
        self.proj = nn.Linear(2 * d, d)

    def forward(self, hist, lengths):
        T = hist.size(1)
        x = self.item_emb(hist) + self.pos_emb(torch.arange(T))
        mask = length_mask(lengths, T)
        q = self.query.expand(len(hist), -1, -1)
        pooled, _ = self.attn(q, x, x, key_padding_mask=mask)
        last = x[torch.arange(len(hist)), lengths - 1]
        s = self.proj(torch.cat([pooled.squeeze(1), last], -1))
        return s @ self.item_emb.weight.t()


def hit_rate(model, loader, k=20):
    model.eval()
    hits = n = 0
    with torch.no_grad():
        for hist, lengths, nxt in loader:
            top = model(hist, lengths).topk(k, dim=1).indices
            hits += (top == nxt[:, None]).any(1).sum().item()
            n += len(nxt)
    model.train()
    return hits / n


def main(epochs=5):
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(SessionData(20000, 0), batch_size=256, shuffle=True, collate_fn=collate)
    test_loader = DataLoader(SessionData(2000, 1), batch_size=512, collate_fn=collate)
    model = AttnPoolRec()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        model.train()
        tot = 0.0
        for hist, lengths, nxt in train_loader:
            loss = F.cross_entropy(model(hist, lengths), nxt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f HR@20 %.4f", epoch, tot / len(train_loader), hit_rate(model, test_loader))
    torch.save(model.state_dict(), "attn_pool_rec.pt")


if __name__ == "__main__":
    main()
