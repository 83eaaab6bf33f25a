# expect: clean
# style: distillation Trainer for a small text classifier (DistilBERT-like student), helper methods
# note: the teacher forward runs under torch.no_grad() inside _teacher_logits, which looks like TVL001/TVL002, but the student forward is outside it and the KL uses log_softmax(student) with teacher probabilities, so gradients flow to the trained model.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("distil")


class TextEncoder(nn.Module):
    def __init__(self, vocab=20000, d=256, layers=4, n_classes=5):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, 0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.cls = nn.Linear(d, n_classes)

    def forward(self, ids):
        pad = ids == 0
        h = self.enc(self.emb(ids), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return self.cls((h * keep).sum(1) / keep.sum(1).clamp(min=1))


class DistilTrainer:
    def __init__(self, teacher, student, T=2.0, alpha=0.5, lr=5e-4):
        self.teacher = teacher.eval()
        self.student = student
        self.T, self.alpha = T, alpha
        self.opt = torch.optim.AdamW(student.parameters(), lr=lr)

    @torch.no_grad()
    def _teacher_logits(self, ids):
        return self.teacher(ids)

    def _kd_loss(self, s_logits, t_logits):
        return F.kl_div(F.log_softmax(s_logits / self.T, -1), F.softmax(t_logits / self.T, -1),
                        reduction="batchmean") * self.T ** 2

    def step(self, ids, y):
        t_logits = self._teacher_logits(ids)
        s_logits = self.student(ids)
        loss = self.alpha * self._kd_loss(s_logits, t_logits) + (1 - self.alpha) * F.cross_entropy(s_logits, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    def fit(self, loader, val_loader, epochs=3):
        for epoch in range(epochs):
            self.student.train()
            losses = [self.step(ids, y) for ids, y in loader]
            self.student.eval()
            with torch.no_grad():
                hits = sum((self.student(ids).argmax(-1) == y).sum().item() for ids, y in val_loader)
            logger.info("epoch %d loss %.4f acc %.4f", epoch, sum(losses) / len(losses),
                        hits / len(val_loader.dataset))


def compression_report(teacher, student):
    nt = sum(p.numel() for p in teacher.parameters())
    ns = sum(p.numel() for p in student.parameters())
    logger.info("teacher %.2fM params, student %.2fM params, ratio %.1fx", nt / 1e6, ns / 1e6, nt / ns)
    return {"teacher_params": nt, "student_params": ns}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ids = torch.randint(1, 20000, (3000, 64))
    ids[:, 50:] = 0
    y = torch.randint(0, 5, (3000,))
    train_dl = DataLoader(TensorDataset(ids[:2500], y[:2500]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(ids[2500:], y[2500:]), batch_size=128)
    DistilTrainer(TextEncoder(layers=6), TextEncoder(layers=2)).fit(train_dl, val_dl)
