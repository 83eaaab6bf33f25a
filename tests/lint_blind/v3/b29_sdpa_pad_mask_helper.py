# expect: TVL010
# style: minimal GPT/BERT-style research encoder using F.scaled_dot_product_attention (nanoGPT-like block, separate mask utilities module section)
# bug: make_pad_mask returns True at padding positions (ESPnet convention) and SelfAttention passes it directly as the boolean attn_mask of SDPA, where True means "may attend"
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD_ID = 0


# ---- mask utilities -------------------------------------------------------
def make_pad_mask(tokens, pad_id=PAD_ID):
    """Return a (B, 1, 1, T) mask that is True where the key is padding."""
    return (tokens == pad_id)[:, None, None, :]


# ---- model ------------------------------------------------------------------
class SelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.dropout = n_head, dropout

    def forward(self, x, pad_mask):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=pad_mask, dropout_p=self.dropout if self.training else 0.0)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
        self.attn = SelfAttention(n_embd, n_head, dropout)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x, pad_mask):
        x = x + self.attn(self.ln_1(x), pad_mask)
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    def __init__(self, vocab, n_embd=128, n_head=4, n_layer=3, dropout=0.1, n_cls=4):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(256, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head, dropout) for _ in range(n_layer)])
        self.head = nn.Linear(n_embd, n_cls)

    def forward(self, tokens):
        pad_mask = make_pad_mask(tokens)
        x = self.wte(tokens) + self.wpe(torch.arange(tokens.size(1), device=tokens.device))
        for blk in self.h:
            x = blk(x, pad_mask)
        return self.head(x[:, 0])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=500)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    toks = torch.randint(1, 5000, (2000, 64))
    toks[:, 48:] = PAD_ID
    loader = DataLoader(TensorDataset(toks, torch.randint(0, 4, (2000,))), batch_size=32, shuffle=True)
    model = Encoder(5000)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    it = 0
    while it < args.iters:
        for x, y in loader:
            model.train()
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            it += 1
            if it % 100 == 0:
                print(f"iter {it}: loss {loss.item():.4f}")
