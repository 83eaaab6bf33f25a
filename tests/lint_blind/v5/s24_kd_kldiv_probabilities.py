# expect: TVL008
# style: knowledge-distillation trainer class (Hinton KD) with helper functions, text classification student/teacher
# bug: distillation_loss() feeds soften() probabilities (softmax) as the input of F.kl_div, which expects log-probabilities
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TextCNN(nn.Module):
    def __init__(self, vocab, emb, n_filters, n_classes):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.convs = nn.ModuleList(nn.Conv1d(emb, n_filters, k) for k in (3, 4, 5))
        self.fc = nn.Linear(3 * n_filters, n_classes)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        return self.fc(torch.cat([F.relu(c(x)).max(-1).values for c in self.convs], dim=1))


def soften(logits, temperature):
    return F.softmax(logits / temperature, dim=-1)


def distillation_loss(student_logits, teacher_logits, temperature):
    p_s = soften(student_logits, temperature)
    p_t = soften(teacher_logits, temperature)
    return F.kl_div(p_s, p_t, reduction="batchmean") * temperature ** 2


class Distiller:
    def __init__(self, teacher, student, lr, temperature, alpha):
        self.teacher = teacher.eval().requires_grad_(False)
        self.student = student
        self.T, self.alpha = temperature, alpha
        self.optimizer = torch.optim.Adam(student.parameters(), lr=lr)

    def train_step(self, ids, labels):
        with torch.no_grad():
            t_logits = self.teacher(ids)
        s_logits = self.student(ids)
        loss = self.alpha * distillation_loss(s_logits, t_logits, self.T) + \
            (1 - self.alpha) * F.cross_entropy(s_logits, labels)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def fit(self, loader, epochs):
        for ep in range(epochs):
            self.student.train()
            losses = [self.train_step(ids, y) for ids, y in loader]
            print(f"epoch {ep}: distill loss {sum(losses) / len(losses):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--temperature", type=float, default=2.0)
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    ids, labels = torch.randint(0, 20000, (6000, 80)), torch.randint(0, 5, (6000,))
    loader = DataLoader(TensorDataset(ids, labels), batch_size=64, shuffle=True)
    teacher = TextCNN(20000, 300, 256, 5)
    student = TextCNN(20000, 64, 32, 5)
    Distiller(teacher, student, 1e-3, args.temperature, args.alpha).fit(loader, args.epochs)
