# expect: clean
# style: DistilBERT/TinyBERT-style distillation (teacher frozen under no_grad, KL on log-softmax)
# note: teacher forward under torch.no_grad() is fine (teacher is not optimized); kl_div gets student log-probs and teacher probs
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TextEncoder(nn.Module):
    def __init__(self, vocab=10000, d=256, layers=4, n_cls=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 2 * d, batch_first=True), layers)
        self.cls = nn.Linear(d, n_cls)

    def forward(self, ids):
        return self.cls(self.enc(self.emb(ids)).mean(1))


def distill_loss(s_logits, t_logits, labels, T, alpha):
    soft = F.kl_div(F.log_softmax(s_logits / T, -1), F.softmax(t_logits / T, -1), reduction="batchmean") * T * T
    return alpha * soft + (1 - alpha) * F.cross_entropy(s_logits, labels)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--temperature", type=float, default=2.0)
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    teacher = TextEncoder(layers=6)
    student = TextEncoder(d=128, layers=2)
    teacher.eval()
    teacher.requires_grad_(False)
    optimizer = torch.optim.AdamW(student.parameters(), lr=5e-4)
    loader = DataLoader(TensorDataset(torch.randint(0, 10000, (800, 48)), torch.randint(0, 4, (800,))),
                        batch_size=32, shuffle=True)
    for epoch in range(args.epochs):
        student.train()
        total = 0.0
        for ids, y in loader:
            with torch.no_grad():
                t_logits = teacher(ids)
            loss = distill_loss(student(ids), t_logits, y, args.temperature, args.alpha)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch} distill loss {total / len(loader):.4f}")


if __name__ == "__main__":
    main()
