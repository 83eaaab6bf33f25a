# expect: TVL008
# style: inline distillation loop, BERT-ish tiny transformer student distilled from a larger teacher on synthetic NLI
# bug: F.kl_div is given softmax probabilities of the student as its input, but kl_div expects log-probabilities for the input
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TinyEncoder(nn.Module):
    def __init__(self, vocab, d, layers, heads, n_cls=3, max_len=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, max_len, d))
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.cls = nn.Linear(d, n_cls)

    def forward(self, ids):
        pad = ids == 0
        h = self.enc(self.tok(ids) + self.pos[:, :ids.size(1)], src_key_padding_mask=pad)
        h = h.masked_fill(pad.unsqueeze(-1), 0.0).sum(1) / (~pad).sum(1, keepdim=True).clamp(min=1)
        return self.cls(h)


def synthetic_nli(n, vocab=5000, max_len=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, vocab, (n, max_len), generator=g)
    lens = torch.randint(16, max_len, (n,), generator=g)
    ids[torch.arange(max_len)[None, :] >= lens[:, None]] = 0
    y = torch.randint(0, 3, (n,), generator=g)
    return ids, y


ap = argparse.ArgumentParser()
ap.add_argument("--T", type=float, default=2.0)
ap.add_argument("--alpha", type=float, default=0.7)
ap.add_argument("--epochs", type=int, default=4)
ap.add_argument("--lr", type=float, default=3e-4)
args = ap.parse_args()

device = "cuda" if torch.cuda.is_available() else "cpu"
ids, y = synthetic_nli(20000)
val_ids, val_y = synthetic_nli(2000, seed=1)
train_loader = DataLoader(TensorDataset(ids, y), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(val_ids, val_y), batch_size=256)

teacher = TinyEncoder(5000, 256, 6, 8).to(device).eval()
student = TinyEncoder(5000, 128, 2, 4).to(device)
for p in teacher.parameters():
    p.requires_grad = False

optimizer = torch.optim.AdamW(student.parameters(), lr=args.lr, weight_decay=0.01)
total_steps = args.epochs * len(train_loader)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1 - s / total_steps))

for epoch in range(args.epochs):
    student.train()
    run_kd = run_ce = 0.0
    for step, (xb, yb) in enumerate(train_loader):
        xb, yb = xb.to(device), yb.to(device)
        with torch.no_grad():
            t_logits = teacher(xb)
        s_logits = student(xb)
        s_prob = F.softmax(s_logits / args.T, dim=-1)
        t_prob = F.softmax(t_logits / args.T, dim=-1)
        kd = F.kl_div(s_prob, t_prob, reduction="batchmean") * args.T ** 2
        ce = F.cross_entropy(s_logits, yb)
        loss = args.alpha * kd + (1 - args.alpha) * ce

        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        run_kd += kd.item()
        run_ce += ce.item()
        if step % 100 == 0:
            print(f"ep {epoch} step {step} kd {run_kd / (step + 1):.4f} ce {run_ce / (step + 1):.4f}")

    student.eval()
    agree = correct = n = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            xb, yb = xb.to(device), yb.to(device)
            sp, tp = student(xb).argmax(-1), teacher(xb).argmax(-1)
            correct += (sp == yb).sum().item()
            agree += (sp == tp).sum().item()
            n += yb.numel()
    print(f"epoch {epoch}: val acc {correct / n:.4f}, teacher agreement {agree / n:.4f}")

torch.save(student.state_dict(), "student_nli.pt")
