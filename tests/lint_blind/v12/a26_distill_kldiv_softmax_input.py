# expect: TVL008
# style: knowledge distillation for text classification, loss helper module, teacher under no_grad
# bug: distillation_loss() passes F.softmax(student/T) (probabilities) as the input of KLDivLoss, which expects log-probabilities
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("kd")


class BiLSTMClassifier(nn.Module):
    def __init__(self, vocab, emb, hidden, n_classes, layers=1):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.rnn = nn.LSTM(emb, hidden, layers, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n_classes)

    def forward(self, ids):
        out, _ = self.rnn(self.emb(ids))
        return self.fc(out.max(dim=1).values)


class DistillLoss(nn.Module):
    def __init__(self, temperature=4.0, alpha=0.7):
        super().__init__()
        self.T = temperature
        self.alpha = alpha
        self.kl = nn.KLDivLoss(reduction="batchmean")

    def distillation_loss(self, student_logits, teacher_logits):
        s = F.softmax(student_logits / self.T, dim=-1)
        t = F.softmax(teacher_logits / self.T, dim=-1)
        return self.kl(s, t) * self.T ** 2

    def forward(self, student_logits, teacher_logits, labels):
        hard = F.cross_entropy(student_logits, labels)
        soft = self.distillation_loss(student_logits, teacher_logits)
        return self.alpha * soft + (1 - self.alpha) * hard, hard.item(), soft.item()


def train(student, teacher, loader, dev_loader, epochs, lr):
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    crit = DistillLoss()
    opt = torch.optim.Adam(student.parameters(), lr=lr)
    for ep in range(epochs):
        student.train()
        h_sum = s_sum = 0.0
        for ids, y in loader:
            with torch.no_grad():
                t_logits = teacher(ids)
            s_logits = student(ids)
            loss, h, s = crit(s_logits, t_logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            h_sum += h
            s_sum += s
        acc = evaluate(student, dev_loader)
        logger.info("epoch %d hard %.4f soft %.4f dev acc %.4f", ep, h_sum / len(loader), s_sum / len(loader), acc)


@torch.no_grad()
def evaluate(model, loader):
    was_training = model.training
    model.eval()
    correct = total = 0
    for ids, y in loader:
        correct += (model(ids).argmax(-1) == y).sum().item()
        total += len(y)
    model.train(was_training)
    return correct / total


def fake_corpus(n, seq=50, vocab=15000, k=5):
    return TensorDataset(torch.randint(1, vocab, (n, seq)), torch.randint(0, k, (n,)))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    teacher = BiLSTMClassifier(15000, 300, 512, 5, layers=2)
    student = BiLSTMClassifier(15000, 100, 128, 5)
    train_dl = DataLoader(fake_corpus(10000), batch_size=64, shuffle=True)
    dev_dl = DataLoader(fake_corpus(1000), batch_size=256)
    train(student, teacher, train_dl, dev_dl, args.epochs, args.lr)
    torch.save(student.state_dict(), "student.pt")
