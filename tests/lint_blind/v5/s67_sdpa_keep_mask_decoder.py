# expect: clean
# style: small decoder-only LM with hand-written blocks using F.scaled_dot_product_attention and a padding-aware boolean mask (JAX/Flax port style: make_attention_mask helper)
# note: make_attention_mask() returns True where attention IS allowed (causal AND key not padding), which is SDPA's boolean convention; loss ignores pad targets
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD = 0


def make_attention_mask(tokens, pad_id=PAD):
    T = tokens.size(1)
    causal = torch.ones(T, T, dtype=torch.bool, device=tokens.device).tril()
    key_ok = (tokens != pad_id)[:, None, None, :]
    mask = causal[None, None] & key_ok
    return mask | torch.eye(T, dtype=torch.bool, device=tokens.device)[None, None]


class DecoderBlock(nn.Module):
    def __init__(self, d, h, p=0.1):
        super().__init__()
        self.h, self.p = h, p
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=-1)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.p if self.training else 0.0)
        x = x + self.o(y.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp(self.ln2(x))


class TinyLM(nn.Module):
    def __init__(self, vocab=16000, d=256, h=8, L=4, ctx=128):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList(DecoderBlock(d, h) for _ in range(L))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, tokens):
        mask = make_attention_mask(tokens)
        x = self.tok(tokens) + self.pos(torch.arange(tokens.size(1), device=tokens.device))
        for blk in self.blocks:
            x = blk(x, mask)
        return self.head(self.ln(x))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    seqs = torch.randint(1, 16000, (5000, 129))
    lens = torch.randint(20, 130, (5000,))
    seqs[torch.arange(129)[None] >= lens[:, None]] = PAD
    loader = DataLoader(TensorDataset(seqs), batch_size=32, shuffle=True)
    model = TinyLM()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    for epoch in range(args.epochs):
        model.train()
        for step, (batch,) in enumerate(loader):
            logits = model(batch[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch[:, 1:].reshape(-1), ignore_index=PAD)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if step % 50 == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f}")
