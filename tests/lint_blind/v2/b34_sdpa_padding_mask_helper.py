# expect: TVL010
# style: sentence-transformers-style contrastive encoder with hand-rolled attention (SDPA) and a make_attn_mask() helper
# bug: make_attn_mask() returns True at PAD positions (MHA convention) and it is passed as attn_mask to F.scaled_dot_product_attention, where True means "attend"
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD_ID = 0


def make_attn_mask(input_ids):
    """(B, T) token ids -> (B, 1, 1, T) boolean mask marking padding keys."""
    return (input_ids == PAD_ID)[:, None, None, :]


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)

    def forward(self, x, mask):
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.o(y.transpose(1, 2).reshape(B, T, D))


class SentenceEncoder(nn.Module):
    def __init__(self, vocab=8000, d=128, heads=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.attn = Attention(d, heads)
        self.norm = nn.LayerNorm(d)

    def forward(self, ids):
        h = self.norm(self.emb(ids) + self.attn(self.emb(ids), make_attn_mask(ids)))
        keep = (ids != PAD_ID).unsqueeze(-1).float()
        return F.normalize((h * keep).sum(1) / keep.sum(1).clamp(min=1), dim=-1)


def info_nce(a, b, temperature=0.05):
    logits = a @ b.t() / temperature
    return F.cross_entropy(logits, torch.arange(a.size(0)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=5e-5)
    args = parser.parse_args()
    anchors = torch.randint(1, 8000, (512, 32))
    anchors[:, 20:] = PAD_ID
    positives = torch.randint(1, 8000, (512, 32))
    loader = DataLoader(TensorDataset(anchors, positives), batch_size=64, shuffle=True)
    model = SentenceEncoder()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        for it, (a, p) in enumerate(loader):
            loss = info_nce(model(a), model(p))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            print(f"epoch {epoch} it {it} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
