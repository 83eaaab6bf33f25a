# expect: TVL008
# style: knowledge distillation module with a loss helper, text classification (teacher/student)
# bug: distillation_loss() passes softmax probabilities (not log-probabilities) of the student as the input of KLDivLoss
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


@dataclass
class KDConfig:
    temperature: float = 4.0
    alpha: float = 0.7
    epochs: int = 6
    lr: float = 5e-4
    vocab: int = 10000
    n_classes: int = 4


class TextCNN(nn.Module):
    def __init__(self, vocab, dim, n_filters, n_classes):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(dim, n_filters, k) for k in (3, 4, 5)])
        self.fc = nn.Linear(3 * n_filters, n_classes)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        feats = [F.relu(c(x)).amax(-1) for c in self.convs]
        return self.fc(torch.cat(feats, 1))


kl_div = nn.KLDivLoss(reduction="batchmean")


def distillation_loss(student_logits, teacher_logits, labels, cfg: KDConfig):
    T = cfg.temperature
    p_student = F.softmax(student_logits / T, dim=-1)
    p_teacher = F.softmax(teacher_logits / T, dim=-1)
    soft = kl_div(p_student, p_teacher) * (T * T)
    hard = F.cross_entropy(student_logits, labels)
    return cfg.alpha * soft + (1 - cfg.alpha) * hard


def evaluate(model, loader):
    model.eval()
    hits = n = 0
    with torch.no_grad():
        for ids, y in loader:
            hits += (model(ids).argmax(1) == y).sum().item()
            n += len(y)
    model.train()
    return hits / n


def distill(teacher, student, train_loader, val_loader, cfg):
    teacher.eval()
    opt = torch.optim.Adam(student.parameters(), lr=cfg.lr)
    for epoch in range(cfg.epochs):
        student.train()
        running = 0.0
        for ids, y in train_loader:
            with torch.no_grad():
                t_logits = teacher(ids)
            s_logits = student(ids)
            loss = distillation_loss(s_logits, t_logits, y, cfg)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
        log.info("epoch %d kd_loss %.4f student_acc %.4f", epoch, running / len(train_loader),
                 evaluate(student, val_loader))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = KDConfig()
    ids = torch.randint(1, cfg.vocab, (6000, 60))
    labels = (ids[:, 0] % cfg.n_classes)
    train_loader = DataLoader(TensorDataset(ids[:5000], labels[:5000]), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(ids[5000:], labels[5000:]), batch_size=256)
    teacher = TextCNN(cfg.vocab, 300, 256, cfg.n_classes)
    student = TextCNN(cfg.vocab, 64, 32, cfg.n_classes)
    # teacher weights would normally come from a finished fine-tuning run
    distill(teacher, student, train_loader, val_loader, cfg)
