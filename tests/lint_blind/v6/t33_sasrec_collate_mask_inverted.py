# expect: TVL010
# style: recommender repo (SASRec-like) with a collate function feeding nn.TransformerEncoder
# bug: collate() builds key_mask = seq != PAD (True for real items) and the model passes it as src_key_padding_mask, where True means "ignore this position".
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD = 0
N_ITEMS = 3000
MAX_LEN = 50


class UserHistories(Dataset):
    def __init__(self, n_users=2000, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.hist = []
        for _ in range(n_users):
            L = int(torch.randint(5, 120, (1,), generator=g))
            self.hist.append(torch.randint(1, N_ITEMS, (L,), generator=g))

    def __len__(self):
        return len(self.hist)

    def __getitem__(self, i):
        h = self.hist[i][-(MAX_LEN + 1):]
        return h[:-1], h[1:]


def collate(batch):
    seqs = torch.full((len(batch), MAX_LEN), PAD, dtype=torch.long)
    tgts = torch.full((len(batch), MAX_LEN), PAD, dtype=torch.long)
    for i, (s, t) in enumerate(batch):
        seqs[i, -len(s):] = s  # left padding
        tgts[i, -len(t):] = t
    key_mask = seqs != PAD
    return seqs, tgts, key_mask


class SASRec(nn.Module):
    def __init__(self, dim=64, blocks=2, heads=2, dropout=0.2):
        super().__init__()
        self.item_emb = nn.Embedding(N_ITEMS, dim, padding_idx=PAD)
        self.pos_emb = nn.Embedding(MAX_LEN, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 2, dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, blocks)
        self.register_buffer("causal", torch.triu(torch.ones(MAX_LEN, MAX_LEN, dtype=torch.bool), diagonal=1))

    def forward(self, seqs, key_mask):
        x = self.item_emb(seqs) + self.pos_emb.weight[None]
        h = self.encoder(x, mask=self.causal, src_key_padding_mask=key_mask)
        return h @ self.item_emb.weight.t()


def train(epochs=10):
    loader = DataLoader(UserHistories(), batch_size=128, shuffle=True, collate_fn=collate)
    model = SASRec()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    for epoch in range(epochs):
        model.train()
        total, batches = 0.0, 0
        for seqs, tgts, key_mask in loader:
            logits = model(seqs, key_mask)
            loss = F.cross_entropy(logits.view(-1, N_ITEMS), tgts.view(-1), ignore_index=PAD)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item(); batches += 1
        print(f"epoch {epoch} next-item CE {total / batches:.4f}")
    return model


if __name__ == "__main__":
    train()
