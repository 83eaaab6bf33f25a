# expect: TVL008
# style: knowledge distillation trainer class (BERT-like teacher -> small student), sentence classification
# bug: distillation_loss passes F.softmax(student/T) (probabilities) as the input of KLDivLoss, which expects log-probabilities
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("kd")


@dataclass
class KDArgs:
    temperature: float = 4.0
    alpha: float = 0.7
    lr: float = 5e-4
    epochs: int = 5
    vocab: int = 10000
    n_cls: int = 6


class TextEncoder(nn.Module):
    def __init__(self, vocab, dim, layers, n_cls):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        enc = nn.TransformerEncoderLayer(dim, 4, dim * 4, batch_first=True)
        self.enc = nn.TransformerEncoder(enc, layers)
        self.cls = nn.Linear(dim, n_cls)

    def forward(self, ids):
        return self.cls(self.enc(self.emb(ids)).mean(1))


class DistillationTrainer:
    def __init__(self, teacher, student, args: KDArgs):
        self.teacher, self.student, self.args = teacher, student, args
        self.teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.kl = nn.KLDivLoss(reduction="batchmean")
        self.opt = torch.optim.AdamW(student.parameters(), lr=args.lr)

    def distillation_loss(self, s_logits, t_logits):
        T = self.args.temperature
        s = F.softmax(s_logits / T, dim=-1)
        t = F.softmax(t_logits / T, dim=-1)
        return self.kl(s, t) * T * T

    def compute_loss(self, ids, labels):
        with torch.no_grad():
            t_logits = self.teacher(ids)
        s_logits = self.student(ids)
        hard = F.cross_entropy(s_logits, labels)
        soft = self.distillation_loss(s_logits, t_logits)
        return self.args.alpha * soft + (1 - self.args.alpha) * hard

    def train(self, loader, val_loader):
        for epoch in range(self.args.epochs):
            self.student.train()
            tot = 0.0
            for ids, labels in loader:
                loss = self.compute_loss(ids, labels)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                tot += loss.item()
            acc = self.evaluate(val_loader)
            logger.info("epoch %d loss %.4f student acc %.4f", epoch, tot / len(loader), acc)

    @torch.no_grad()
    def evaluate(self, loader):
        self.student.eval()
        hit = sum((self.student(ids).argmax(-1) == y).sum().item() for ids, y in loader)
        self.student.train()
        return hit / len(loader.dataset)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    args = KDArgs()
    teacher = TextEncoder(args.vocab, 256, 6, args.n_cls)
    student = TextEncoder(args.vocab, 128, 2, args.n_cls)
    ids = torch.randint(0, args.vocab, (4000, 32))
    y = torch.randint(0, args.n_cls, (4000,))
    train_dl = DataLoader(TensorDataset(ids[:3500], y[:3500]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(ids[3500:], y[3500:]), batch_size=128)
    DistillationTrainer(teacher, student, args).train(train_dl, val_dl)
    torch.save(student.state_dict(), "student.pt")
