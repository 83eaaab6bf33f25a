# expect: TVL001
# style: research repo, knowledge distillation for image classification, argparse
# bug: the student forward is routed through the same no_grad helper used for the teacher, so the KD loss has no path to the student parameters.
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SmallNet(nn.Module):
    def __init__(self, width=32, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(conv_block(3, width), nn.MaxPool2d(2), conv_block(width, width * 2), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(width * 2, num_classes)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.7)
    p.add_argument("--batch-size", type=int, default=64)
    return p.parse_args()


@torch.no_grad()
def predict_logits(net, images):
    # shared helper: returns raw logits for a batch
    return net(images)


def kd_loss(student_logits, teacher_logits, targets, T, alpha):
    soft = F.kl_div(F.log_softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T, dim=1), reduction="batchmean") * T * T
    hard = F.cross_entropy(student_logits, targets)
    return alpha * soft + (1 - alpha) * hard


def make_loader(bs):
    x = torch.randn(2048, 3, 32, 32)
    y = torch.randint(0, 10, (2048,))
    return DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True, drop_last=True)


def train_epoch(student, teacher, loader, opt, args, device):
    student.train()
    teacher.eval()
    running, n = 0.0, 0
    for images, targets in loader:
        images, targets = images.to(device), targets.to(device)
        t_logits = predict_logits(teacher, images)
        s_logits = predict_logits(student, images)
        loss = kd_loss(s_logits, t_logits, targets, args.temperature, args.alpha)
        opt.zero_grad(set_to_none=True)
        loss.requires_grad_(True)
        loss.backward()
        opt.step()
        running += loss.item() * images.size(0)
        n += images.size(0)
    return running / max(n, 1)


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    teacher = SmallNet(width=64).to(device)
    student = SmallNet(width=16).to(device)
    for p in teacher.parameters():
        p.requires_grad_(False)
    opt = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    loader = make_loader(args.batch_size)
    for epoch in range(args.epochs):
        t0 = time.time()
        loss = train_epoch(student, teacher, loader, opt, args, device)
        log.info("epoch %d loss %.4f (%.1fs)", epoch, loss, time.time() - t0)
    torch.save(student.state_dict(), "student.pt")


if __name__ == "__main__":
    main()
