# expect: TVL008
# style: DistilBERT-style distillation loop (HF examples/research_projects/distillation flavour)
# bug: nn.KLDivLoss receives student *probabilities* (softmax) as its input, but KLDivLoss expects log-probabilities
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Encoder(nn.Module):
    def __init__(self, vocab=30522, dim=256, layers=2, n_labels=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        block = nn.TransformerEncoderLayer(dim, 4, dim * 4, batch_first=True)
        self.enc = nn.TransformerEncoder(block, layers)
        self.cls = nn.Linear(dim, n_labels)

    def forward(self, ids):
        return self.cls(self.enc(self.emb(ids))[:, 0])


class Distiller:
    def __init__(self, student, teacher, args):
        self.student, self.teacher = student, teacher.eval()
        self.temperature = args.temperature
        self.alpha_ce, self.alpha_cls = args.alpha_ce, args.alpha_cls
        self.ce_loss_fct = nn.KLDivLoss(reduction="batchmean")
        self.optimizer = torch.optim.AdamW(student.parameters(), lr=args.lr)

    def step(self, ids, labels):
        s_logits = self.student(ids)
        with torch.no_grad():
            t_logits = self.teacher(ids)
        loss_ce = self.ce_loss_fct(
            F.softmax(s_logits / self.temperature, dim=-1),
            F.softmax(t_logits / self.temperature, dim=-1),
        ) * self.temperature ** 2
        loss = self.alpha_ce * loss_ce + self.alpha_cls * F.cross_entropy(s_logits, labels)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.student.parameters(), 5.0)
        self.optimizer.step()
        return loss.item()

    def train(self, loader, n_epoch):
        for epoch in range(n_epoch):
            self.student.train()
            losses = [self.step(ids, y) for ids, y in loader]
            print(f"epoch {epoch}: {sum(losses) / len(losses):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--temperature", type=float, default=2.0)
    ap.add_argument("--alpha_ce", type=float, default=0.5)
    ap.add_argument("--alpha_cls", type=float, default=0.5)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    ds = TensorDataset(torch.randint(0, 30522, (512, 64)), torch.randint(0, 3, (512,)))
    teacher = Encoder(layers=6)
    for p in teacher.parameters():
        p.requires_grad = False
    Distiller(Encoder(), teacher, args).train(DataLoader(ds, batch_size=32, shuffle=True), 2)
