# expect: TVL001
# style: research repo Trainer class, vision knowledge distillation
# bug: the shared _forward_pair helper wraps the student forward in the same torch.no_grad() block as the teacher, so the backpropagated KD loss has no path to the student.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True), nn.MaxPool2d(2))


class SmallCNN(nn.Module):
    def __init__(self, width=32, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(conv_block(3, width), conv_block(width, width * 2), conv_block(width * 2, width * 4))
        self.fc = nn.Linear(width * 4, num_classes)

    def forward(self, x):
        h = self.features(x).mean(dim=(2, 3))
        return self.fc(h)


class DistillTrainer:
    def __init__(self, student, teacher, lr, temperature=4.0, alpha=0.7, device="cpu"):
        self.student = student.to(device)
        self.teacher = teacher.to(device).eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.opt = torch.optim.SGD(self.student.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
        self.T = temperature
        self.alpha = alpha
        self.device = device

    def _forward_pair(self, images):
        # teacher is frozen; keep the whole pair cheap on memory
        with torch.no_grad():
            t_logits = self.teacher(images)
            s_logits = self.student(images)
        return s_logits, t_logits

    def _kd_loss(self, s_logits, t_logits, labels):
        soft = F.kl_div(F.log_softmax(s_logits / self.T, dim=1), F.softmax(t_logits / self.T, dim=1), reduction="batchmean")
        hard = F.cross_entropy(s_logits, labels)
        return self.alpha * soft * self.T ** 2 + (1 - self.alpha) * hard

    def train_step(self, images, labels):
        images, labels = images.to(self.device), labels.to(self.device)
        s_logits, t_logits = self._forward_pair(images)
        loss = self._kd_loss(s_logits, t_logits, labels)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()

    def fit(self, loader, epochs):
        self.student.train()
        for epoch in range(epochs):
            total, n = 0.0, 0
            for images, labels in loader:
                total += self.train_step(images, labels)
                n += 1
            print(f"epoch {epoch} kd_loss {total / max(n, 1):.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    x = torch.randn(1024, 3, 32, 32)
    y = torch.randint(0, 10, (1024,))
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True, drop_last=True)

    teacher = SmallCNN(width=64)
    student = SmallCNN(width=16)
    trainer = DistillTrainer(student, teacher, lr=args.lr)
    trainer.fit(loader, args.epochs)


if __name__ == "__main__":
    main()
