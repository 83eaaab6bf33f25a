# expect: clean
# style: NLP knowledge distillation with a DistillationTrainer subclass; teacher logits computed in a no_grad helper
# note: a model's forward is wrapped in torch.no_grad(), but it is the frozen teacher's; the student's forward runs with grad, and the KL term uses log_softmax(student) against softmax(teacher), which is what KLDivLoss expects
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("distil")


class BagOfEmbeddingsClassifier(nn.Module):
    def __init__(self, vocab, dim, hidden, n_classes, layers=1):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        mlp = []
        for i in range(layers):
            mlp += [nn.Linear(dim if i == 0 else hidden, hidden), nn.GELU(), nn.Dropout(0.1)]
        self.mlp = nn.Sequential(*mlp)
        self.cls = nn.Linear(hidden, n_classes)

    def forward(self, ids):
        return self.cls(self.mlp(self.emb(ids)))


class BaseTrainer:
    def __init__(self, model, lr):
        self.model = model
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)

    def compute_loss(self, ids, labels):
        return F.cross_entropy(self.model(ids), labels)

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for ids, labels in loader:
            loss = self.compute_loss(ids, labels)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item()
        return tot / len(loader)

    @torch.no_grad()
    def accuracy(self, loader):
        self.model.eval()
        hit = sum((self.model(i).argmax(1) == l).sum().item() for i, l in loader)
        return hit / len(loader.dataset)


class DistillationTrainer(BaseTrainer):
    def __init__(self, student, teacher, lr, temperature=2.0, alpha=0.5):
        super().__init__(student, lr)
        self.teacher = teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.T = temperature
        self.alpha = alpha

    @torch.no_grad()
    def teacher_logits(self, ids):
        return self.teacher(ids)

    def compute_loss(self, ids, labels):
        s_logits = self.model(ids)
        t_logits = self.teacher_logits(ids)
        kd = F.kl_div(F.log_softmax(s_logits / self.T, -1), F.softmax(t_logits / self.T, -1),
                      reduction="batchmean") * self.T ** 2
        ce = F.cross_entropy(s_logits, labels)
        return self.alpha * kd + (1 - self.alpha) * ce


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher-epochs", type=int, default=5)
    ap.add_argument("--student-epochs", type=int, default=10)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    ids = torch.randint(0, 10000, (30000, 64))
    labels = (ids[:, :8] % 5).sum(1) % 5
    train_dl = DataLoader(TensorDataset(ids[:27000], labels[:27000]), batch_size=128, shuffle=True)
    dev_dl = DataLoader(TensorDataset(ids[27000:], labels[27000:]), batch_size=512)

    teacher = BagOfEmbeddingsClassifier(10000, 256, 512, 5, layers=3)
    t_trainer = BaseTrainer(teacher, 1e-3)
    for ep in range(args.teacher_epochs):
        log.info("teacher ep %d loss %.4f acc %.4f", ep, t_trainer.train_epoch(train_dl), t_trainer.accuracy(dev_dl))

    student = BagOfEmbeddingsClassifier(10000, 64, 64, 5, layers=1)
    s_trainer = DistillationTrainer(student, teacher, 2e-3)
    for ep in range(args.student_epochs):
        log.info("student ep %d loss %.4f acc %.4f", ep, s_trainer.train_epoch(train_dl), s_trainer.accuracy(dev_dl))
    torch.save(student.state_dict(), "student.pt")


if __name__ == "__main__":
    main()
