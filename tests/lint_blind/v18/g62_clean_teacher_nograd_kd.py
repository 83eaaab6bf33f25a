# expect: clean
# style: knowledge distillation Trainer (NLP: BiGRU student distilled from a bigger frozen teacher)
# note: a model forward runs under torch.no_grad() in the training step, which looks like TVL001, but it is the frozen teacher; the student (the optimized model) runs outside no_grad, and KLDivLoss gets student log_softmax vs teacher probabilities.
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("kd")
VOCAB = 3000


class Texts(Dataset):
    def __init__(self, n, seed):
        r = random.Random(seed)
        self.items = []
        for _ in range(n):
            y = r.randrange(4)
            toks = [r.randrange(1 + y * 700, 700 * (y + 1)) if r.random() < 0.35 else r.randrange(1, VOCAB)
                    for _ in range(r.randint(6, 40))]
            self.items.append((toks, y))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    L = max(len(t) for t, _ in batch)
    ids = torch.zeros(len(batch), L, dtype=torch.long)
    for i, (t, _) in enumerate(batch):
        ids[i, :len(t)] = torch.tensor(t)
    return ids, torch.tensor([y for _, y in batch])


class GRUClassifier(nn.Module):
    def __init__(self, emb, hidden, n_classes=4):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, emb, padding_idx=0)
        self.rnn = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n_classes)

    def forward(self, ids):
        h, _ = self.rnn(self.emb(ids))
        return self.fc(h.max(1).values)


class DistillTrainer:
    def __init__(self, teacher, student, T=2.0, alpha=0.7, lr=2e-3):
        self.teacher = teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.student = student
        self.T, self.alpha = T, alpha
        self.opt = torch.optim.Adam(student.parameters(), lr=lr)

    def step(self, ids, y):
        with torch.no_grad():
            t_logits = self.teacher(ids)
        s_logits = self.student(ids)
        soft = F.kl_div(F.log_softmax(s_logits / self.T, -1), F.softmax(t_logits / self.T, -1),
                        reduction="batchmean") * self.T ** 2
        loss = self.alpha * soft + (1 - self.alpha) * F.cross_entropy(s_logits, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    def fit(self, loader, val_loader, epochs):
        for epoch in range(epochs):
            self.student.train()
            losses = [self.step(ids, y) for ids, y in loader]
            self.student.eval()
            with torch.no_grad():
                correct = sum((self.student(ids).argmax(-1) == y).sum().item() for ids, y in val_loader)
            logger.info("epoch %d loss %.4f student_acc %.4f", epoch, sum(losses) / len(losses),
                        correct / len(val_loader.dataset))


def pretrain_teacher(teacher, loader, epochs=3):
    opt = torch.optim.Adam(teacher.parameters(), lr=1e-3)
    teacher.train()
    for _ in range(epochs):
        for ids, y in loader:
            loss = F.cross_entropy(teacher(ids), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return teacher


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(Texts(6000, 0), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(Texts(800, 1), batch_size=256, collate_fn=collate)
    teacher = pretrain_teacher(GRUClassifier(256, 256), train_dl)
    student = GRUClassifier(64, 48)
    DistillTrainer(teacher, student).fit(train_dl, val_dl, epochs=6)
    torch.save(student.state_dict(), "student_gru.pt")
