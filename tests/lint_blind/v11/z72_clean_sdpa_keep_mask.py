# expect: clean
# style: hand-written BERT-ish encoder using F.scaled_dot_product_attention; mask helper returns a keep mask
# note: a boolean mask built from padding is passed as attn_mask to SDPA, but it is `ids != PAD` (True = may attend), matching SDPA's convention
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD = 0


def attend_mask(ids):
    """(B, L) -> (B, 1, 1, L); True where the key is a real token and may be attended to."""
    return (ids != PAD)[:, None, None, :]


class MHA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)

    def forward(self, x, mask):
        B, L, D = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(B, L, self.h, D // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.o(y.transpose(1, 2).reshape(B, L, D))


class Layer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.attn, self.n1, self.n2 = MHA(d, h), nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        x = self.n1(x + self.attn(x, mask))
        return self.n2(x + self.ff(x))


class MLMEncoder(nn.Module):
    def __init__(self, vocab=3000, d=128, h=4, n=3, L=64):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(L, d)
        self.layers = nn.ModuleList([Layer(d, h) for _ in range(n)])
        self.mlm = nn.Linear(d, vocab)

    def forward(self, ids):
        mask = attend_mask(ids)
        x = self.tok(ids) + self.pos(torch.arange(ids.size(1)))
        for layer in self.layers:
            x = layer(x, mask)
        return self.mlm(x)


def mask_tokens(ids, mask_id=1, p=0.15):
    labels = ids.clone()
    sel = (torch.rand(ids.shape) < p) & (ids != PAD)
    labels[~sel] = -100
    inp = ids.clone()
    inp[sel] = mask_id
    return inp, labels


if __name__ == "__main__":
    ids = torch.randint(2, 3000, (3000, 64))
    lens = torch.randint(16, 64, (3000,))
    ids[torch.arange(64)[None] >= lens[:, None]] = PAD
    loader = DataLoader(TensorDataset(ids), batch_size=32, shuffle=True)
    model = MLMEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4)
    for ep in range(3):
        model.train()
        for i, (batch,) in enumerate(loader):
            inp, labels = mask_tokens(batch)
            loss = F.cross_entropy(model(inp).reshape(-1, 3000), labels.reshape(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i % 25 == 0:
                print(f"ep {ep} it {i} mlm loss {loss.item():.4f}")
