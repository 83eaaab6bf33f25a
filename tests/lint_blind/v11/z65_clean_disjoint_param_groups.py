# expect: clean
# style: transformer LM param-group builder (decay / no-decay / embeddings with own LR), nanoGPT/timm flavour
# note: three param groups are built from one named_parameters() walk with if/elif, so every parameter lands in exactly one group; the tied weight is deduplicated by named_parameters()
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TinyGPT(nn.Module):
    def __init__(self, vocab=1000, d=128, L=64, n_layer=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(L, d)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, 0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, n_layer)
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, ids):
        T = ids.size(1)
        mask = nn.Transformer.generate_square_subsequent_mask(T)
        h = self.blocks(self.tok(ids) + self.pos(torch.arange(T)), mask=mask, is_causal=True)
        return self.head(self.ln(h))


def build_param_groups(model, wd, emb_lr):
    decay, no_decay, emb = [], [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith(("tok.", "pos.")):
            emb.append(p)
        elif p.ndim < 2 or "ln" in name or "norm" in name:
            no_decay.append(p)
        else:
            decay.append(p)
    return [
        {"params": decay, "weight_decay": wd},
        {"params": no_decay, "weight_decay": 0.0},
        {"params": emb, "weight_decay": 0.0, "lr": emb_lr},
    ]


def main():
    model = TinyGPT()
    groups = build_param_groups(model, wd=0.1, emb_lr=1e-3)
    n_grouped = sum(p.numel() for g in groups for p in g["params"])
    n_total = sum(p.numel() for p in model.parameters())
    assert n_grouped == n_total, (n_grouped, n_total)
    opt = torch.optim.AdamW(groups, lr=3e-4, betas=(0.9, 0.95))
    data = torch.randint(0, 1000, (2000, 65))
    loader = DataLoader(TensorDataset(data), batch_size=32, shuffle=True)
    for ep in range(3):
        model.train()
        for i, (seq,) in enumerate(loader):
            logits = model(seq[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, 1000), seq[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if i % 20 == 0:
                print(f"ep {ep} it {i} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
