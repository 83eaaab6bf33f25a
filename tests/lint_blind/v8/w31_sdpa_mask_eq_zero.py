# expect: TVL010
# style: nanoGPT-like encoder block written by hand, protein sequence property prediction
# bug: SelfAttention builds attn_mask = (attention_mask == 0) for F.scaled_dot_product_attention, where a boolean True means "may attend"; padding becomes the only thing each query may attend to
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

AA = "ACDEFGHIKLMNPQRSTVWY"


class SelfAttention(nn.Module):
    def __init__(self, d, n_head, dropout=0.1):
        super().__init__()
        assert d % n_head == 0
        self.n_head = n_head
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.dropout = dropout

    def forward(self, x, attention_mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        # attention_mask: (B, T), 1 for residues, 0 for padding
        attn_mask = (attention_mask == 0)[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = SelfAttention(d, n_head)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d), nn.Dropout(0.1))

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.mlp(self.ln2(x))


class ProteinRegressor(nn.Module):
    def __init__(self, d=128, n_head=4, n_layer=4, max_len=256):
        super().__init__()
        self.tok = nn.Embedding(len(AA) + 1, d, padding_idx=0)
        self.pos = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, 1)

    def forward(self, ids, mask):
        x = self.tok(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        for b in self.blocks:
            x = b(x, mask)
        x = self.ln_f(x)
        m = mask.unsqueeze(-1).float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)


def fake_proteins(n, max_len=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    lens = torch.randint(30, max_len, (n,), generator=g)
    ids = torch.randint(1, len(AA) + 1, (n, max_len), generator=g)
    mask = (torch.arange(max_len)[None] < lens[:, None]).long()
    ids = ids * mask
    y = (ids == 5).float().sum(1) / lens.float() * 10 + 0.1 * torch.randn(n, generator=g)
    return ids, mask, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    tr, va = fake_proteins(6000), fake_proteins(600, seed=2)
    train_loader = DataLoader(TensorDataset(*tr), batch_size=args.bs, shuffle=True)
    val_loader = DataLoader(TensorDataset(*va), batch_size=128)
    model = ProteinRegressor().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)

    for epoch in range(args.epochs):
        model.train()
        tl = 0.0
        for ids, mask, y in train_loader:
            ids, mask, y = ids.to(device), mask.to(device), y.to(device)
            loss = F.mse_loss(model(ids, mask), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tl += loss.item()
        model.eval()
        preds, ys = [], []
        with torch.no_grad():
            for ids, mask, y in val_loader:
                preds.append(model(ids.to(device), mask.to(device)).cpu())
                ys.append(y)
        p, t = torch.cat(preds), torch.cat(ys)
        r = torch.corrcoef(torch.stack([p, t]))[0, 1].item()
        print(f"epoch {epoch} train_mse {tl / len(train_loader):.4f} val_mse {F.mse_loss(p, t).item():.4f} pearson {r:.3f}")
    torch.save(model.state_dict(), "protein_reg.pt")


if __name__ == "__main__":
    main()
