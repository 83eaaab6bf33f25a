# expect: TVL008
# style: knowledge-distillation research script (teacher/student, argparse + wandb-style dict logging, alpha/T hyperparameters)
# bug: distillation_loss passes student softmax probabilities (not log-probabilities) as the input of F.kl_div
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def make_net(width):
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 100))


def distillation_loss(student_logits, teacher_logits, labels, T, alpha):
    soft_student = F.softmax(student_logits / T, dim=-1)
    soft_teacher = F.softmax(teacher_logits / T, dim=-1)
    kd = F.kl_div(soft_student, soft_teacher, reduction="batchmean") * (T * T)
    ce = F.cross_entropy(student_logits, labels)
    return alpha * kd + (1.0 - alpha) * ce, kd, ce


def train_epoch(student, teacher, loader, optimizer, args):
    student.train()
    teacher.eval()
    log = {"loss": 0.0, "kd": 0.0, "ce": 0.0}
    for images, labels in loader:
        with torch.no_grad():
            t_logits = teacher(images)
        s_logits = student(images)
        loss, kd, ce = distillation_loss(s_logits, t_logits, labels, args.temperature, args.alpha)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        for k, v in (("loss", loss), ("kd", kd), ("ce", ce)):
            log[k] += v.item() / len(loader)
    return log


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    return correct / len(loader.dataset)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--temperature", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.9)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--teacher-ckpt", type=str, default="teacher.pt")
    args = ap.parse_args()
    teacher, student = make_net(1024), make_net(128)
    teacher.load_state_dict(torch.load(args.teacher_ckpt, map_location="cpu", weights_only=True))
    train_ds = TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 100, (2000,)))
    test_ds = TensorDataset(torch.randn(500, 3, 32, 32), torch.randint(0, 100, (500,)))
    train_loader = DataLoader(train_ds, batch_size=128, shuffle=True)
    test_loader = DataLoader(test_ds, batch_size=256)
    optimizer = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    for epoch in range(args.epochs):
        stats = train_epoch(student, teacher, train_loader, optimizer, args)
        stats["test_acc"] = evaluate(student, test_loader)
        print({"epoch": epoch, **{k: round(v, 4) for k, v in stats.items()}})
