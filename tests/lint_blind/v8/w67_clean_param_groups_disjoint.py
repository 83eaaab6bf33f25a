# expect: clean
# style: HF-like fine-tuning loop with layer-wise param groups (decay/no-decay + lower backbone LR), sentence-pair regression (STS)
# note: several param groups are built from the same model in a helper; they look like they could overlap, but membership is decided by an exclusive if/elif chain over named_parameters, so every parameter lands in exactly one group
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PairEncoder(nn.Module):
    def __init__(self, vocab=20000, d=256, layers=4, heads=4, max_len=64):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, d, padding_idx=0)
        self.position = nn.Embedding(max_len, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.pooler = nn.Sequential(nn.Linear(d, d), nn.Tanh())
        self.regressor = nn.Linear(d, 1)

    def forward(self, ids):
        pad = ids == 0
        h = self.embeddings(ids) + self.position(torch.arange(ids.size(1), device=ids.device))
        h = self.encoder(h, src_key_padding_mask=pad)
        return self.regressor(self.pooler(h[:, 0])).squeeze(-1)


def grouped_parameters(model, lr, backbone_lr_mult, weight_decay):
    groups = {"head_decay": [], "head_no_decay": [], "body_decay": [], "body_no_decay": []}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        is_head = name.startswith(("pooler.", "regressor."))
        no_decay = p.ndim < 2 or "norm" in name
        if is_head and no_decay:
            groups["head_no_decay"].append(p)
        elif is_head:
            groups["head_decay"].append(p)
        elif no_decay:
            groups["body_no_decay"].append(p)
        else:
            groups["body_decay"].append(p)
    return [
        {"params": groups["head_decay"], "lr": lr, "weight_decay": weight_decay},
        {"params": groups["head_no_decay"], "lr": lr, "weight_decay": 0.0},
        {"params": groups["body_decay"], "lr": lr * backbone_lr_mult, "weight_decay": weight_decay},
        {"params": groups["body_no_decay"], "lr": lr * backbone_lr_mult, "weight_decay": 0.0},
    ]


def spearman(a, b):
    ra = a.argsort().argsort().float()
    rb = b.argsort().argsort().float()
    return torch.corrcoef(torch.stack([ra, rb]))[0, 1].item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--backbone-lr-mult", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    ids = torch.randint(1, 20000, (6000, 64))
    scores = torch.rand(6000) * 5
    train_loader = DataLoader(TensorDataset(ids[:5400], scores[:5400]), batch_size=32, shuffle=True)
    dev_loader = DataLoader(TensorDataset(ids[5400:], scores[5400:]), batch_size=128)

    model = PairEncoder().to(device)
    optimizer = torch.optim.AdamW(grouped_parameters(model, args.lr, args.backbone_lr_mult, args.weight_decay))
    n_params = sum(len(g["params"]) for g in optimizer.param_groups)
    assert n_params == len(list(model.parameters())), "every parameter should be in exactly one group"
    total = args.epochs * len(train_loader)
    warm = int(args.warmup_ratio * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: s / max(1, warm) if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / (total - warm))))

    for epoch in range(args.epochs):
        model.train()
        run = 0.0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            loss = F.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            sched.step()
            run += loss.item()
        model.eval()
        preds, gold = [], []
        with torch.no_grad():
            for x, y in dev_loader:
                preds.append(model(x.to(device)).cpu())
                gold.append(y)
        print(f"epoch {epoch} mse {run / len(train_loader):.4f} dev_spearman {spearman(torch.cat(preds), torch.cat(gold)):.4f}")
    torch.save(model.state_dict(), "sts_encoder.pt")


if __name__ == "__main__":
    main()
