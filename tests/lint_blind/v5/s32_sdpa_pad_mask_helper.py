# expect: TVL010
# style: fairseq/OpenNMT-like seq2seq encoder layer using F.scaled_dot_product_attention, with a mask helper in a utils section
# bug: make_pad_mask() returns True at padding positions and it is passed as attn_mask to scaled_dot_product_attention, where True means "may attend"
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD_IDX = 1


# ---------------------------------------------------------------- utils
def make_pad_mask(tokens, pad_idx=PAD_IDX):
    """(B, T) -> (B, 1, 1, T) boolean mask marking padded key positions."""
    return (tokens == pad_idx)[:, None, None, :]


# ---------------------------------------------------------------- model
class SelfAttentionLayer(nn.Module):
    def __init__(self, d_model, n_heads, dropout):
        super().__init__()
        self.n_heads, self.dropout = n_heads, dropout
        self.in_proj = nn.Linear(d_model, 3 * d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.ln = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.ReLU(), nn.Linear(4 * d_model, d_model))
        self.ln_ffn = nn.LayerNorm(d_model)

    def forward(self, x, attn_mask):
        B, T, C = x.shape
        q, k, v = self.in_proj(x).view(B, T, 3, self.n_heads, C // self.n_heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        x = self.ln(x + self.out_proj(y.transpose(1, 2).reshape(B, T, C)))
        return self.ln_ffn(x + self.ffn(x))


class TransformerEncoder(nn.Module):
    def __init__(self, vocab, d_model=256, n_heads=4, layers=4, dropout=0.1, n_classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=PAD_IDX)
        self.pos = nn.Embedding(512, d_model)
        self.layers = nn.ModuleList(SelfAttentionLayer(d_model, n_heads, dropout) for _ in range(layers))
        self.classifier = nn.Linear(d_model, n_classes)

    def forward(self, src_tokens):
        pos = torch.arange(src_tokens.size(1), device=src_tokens.device)
        x = self.embed(src_tokens) + self.pos(pos)
        mask = make_pad_mask(src_tokens)
        for layer in self.layers:
            x = layer(x, mask)
        keep = (src_tokens != PAD_IDX).unsqueeze(-1).float()
        return self.classifier((x * keep).sum(1) / keep.sum(1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-epoch", type=int, default=5)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    src = torch.randint(4, 8000, (4000, 64))
    lens = torch.randint(8, 64, (4000,))
    src[torch.arange(64)[None, :] >= lens[:, None]] = PAD_IDX
    tgt = torch.randint(0, 3, (4000,))
    itr = DataLoader(TensorDataset(src, tgt), batch_size=64, shuffle=True)
    model = TransformerEncoder(8000)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-8)
    for epoch in range(1, args.max_epoch + 1):
        model.train()
        for i, (src_tokens, target) in enumerate(itr):
            loss = F.cross_entropy(model(src_tokens), target, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i % 20 == 0:
                print(f"| epoch {epoch:03d} | {i:5d} / {len(itr)} | loss {loss.item():.3f}")
