# expect: TVL010
# style: session-based recommender (SASRec-like) with collate function and a pooling module using nn.MultiheadAttention
# bug: pad_sessions returns a "valid" mask (True = real item) and AttnPool passes it straight to nn.MultiheadAttention's key_padding_mask, where True means "ignore".
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sess")
N_ITEMS = 20000


class SessionDataset(Dataset):
    def __init__(self, n=8000):
        g = torch.Generator().manual_seed(3)
        self.sessions = [torch.randint(1, N_ITEMS, (int(torch.randint(2, 50, (1,), generator=g)),), generator=g) for _ in range(n)]

    def __len__(self):
        return len(self.sessions)

    def __getitem__(self, i):
        s = self.sessions[i]
        return s[:-1], s[-1]


def pad_sessions(batch):
    seqs, targets = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=0)
    valid = torch.arange(padded.size(1))[None, :] < lengths[:, None]
    return padded, valid, torch.stack(targets)


class AttnPool(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.mha = nn.MultiheadAttention(d, heads, batch_first=True, dropout=0.1)

    def forward(self, h, valid):
        q = self.query.expand(h.size(0), -1, -1)
        out, _ = self.mha(q, h, h, key_padding_mask=valid)
        return out.squeeze(1)


class SessionRec(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.item_emb = nn.Embedding(N_ITEMS, d, padding_idx=0)
        self.pos_emb = nn.Embedding(64, d)
        self.gru = nn.GRU(d, d, batch_first=True)
        self.pool = AttnPool(d)

    def forward(self, seqs, valid):
        pos = torch.arange(seqs.size(1), device=seqs.device)
        h, _ = self.gru(self.item_emb(seqs) + self.pos_emb(pos))
        user = self.pool(h, valid)
        return user @ self.item_emb.weight.t()


def train(epochs=4):
    model = SessionRec()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    dl = DataLoader(SessionDataset(), batch_size=128, shuffle=True, collate_fn=pad_sessions)
    for ep in range(epochs):
        model.train()
        tot, hr = 0.0, 0.0
        for seqs, valid, tgt in dl:
            logits = model(seqs, valid)
            loss = F.cross_entropy(logits, tgt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
            hr += (logits.topk(20, dim=-1).indices == tgt[:, None]).any(-1).float().mean().item()
        log.info("epoch %d loss %.4f HR@20 %.4f", ep, tot / len(dl), hr / len(dl))
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train()
