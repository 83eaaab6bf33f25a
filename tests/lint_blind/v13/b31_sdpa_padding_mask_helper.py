# expect: TVL010
# style: nanoGPT-like hand-written attention block, encoder for padded protein sequences
# bug: make_padding_mask returns True at PAD positions and the attention passes it straight as the boolean attn_mask of F.scaled_dot_product_attention, where True means "may attend"
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("prot")
AA = "ACDEFGHIKLMNPQRSTVWY"
PAD_ID, MASK_ID = 0, 1


def make_padding_mask(tokens):
    """(B, L) -> (B, 1, 1, L) boolean mask marking padding."""
    return (tokens == PAD_ID)[:, None, None, :]


class SelfAttention(nn.Module):
    def __init__(self, dim, n_heads, dropout=0.1):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.dropout = dropout

    def forward(self, x, mask):
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.n_heads, D // self.n_heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(B, L, D))


class Block(nn.Module):
    def __init__(self, dim, n_heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, n_heads)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.mlp(self.ln2(x))


class ProteinMLM(nn.Module):
    def __init__(self, vocab=len(AA) + 2, dim=256, depth=4, heads=8, max_len=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim, padding_idx=PAD_ID)
        self.pos = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.ln = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab)

    def forward(self, tokens):
        mask = make_padding_mask(tokens)
        x = self.tok(tokens) + self.pos(torch.arange(tokens.size(1), device=tokens.device))
        for blk in self.blocks:
            x = blk(x, mask)
        return self.lm_head(self.ln(x))


class RandomProteins(Dataset):
    def __init__(self, n, max_len=128):
        self.lens = torch.randint(30, max_len, (n,))
        self.max_len = max_len

    def __len__(self):
        return len(self.lens)

    def __getitem__(self, i):
        seq = torch.full((self.max_len,), PAD_ID)
        seq[: self.lens[i]] = torch.randint(2, len(AA) + 2, (int(self.lens[i]),))
        return seq


def mask_tokens(seq, p=0.15):
    labels = seq.clone()
    prob = torch.rand(seq.shape, device=seq.device)
    chosen = (prob < p) & (seq != PAD_ID)
    labels[~chosen] = -100
    inputs = seq.masked_fill(chosen, MASK_ID)
    return inputs, labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = ProteinMLM().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    loader = DataLoader(RandomProteins(20000), batch_size=32, shuffle=True, drop_last=True)
    step = 0
    model.train()
    while step < args.steps:
        for seq in loader:
            inputs, labels = mask_tokens(seq.to(dev))
            logits = model(inputs)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % 100 == 0:
                log.info("step %d loss %.4f ppl %.2f", step, loss.item(), math.exp(min(loss.item(), 20)))
            step += 1
            if step >= args.steps:
                break
    torch.save(model.state_dict(), "prot_mlm.pt")


if __name__ == "__main__":
    main()
