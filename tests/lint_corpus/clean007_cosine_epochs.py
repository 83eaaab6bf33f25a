# expect: clean
import argparse

import torch
from torch import nn, optim

p = argparse.ArgumentParser()
p.add_argument("--num_epochs", type=int, default=30)
opts = p.parse_args()

model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
sgd = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
cosine = optim.lr_scheduler.CosineAnnealingLR(sgd, opts.num_epochs, eta_min=1e-4)
batches = [(torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))) for _ in range(50)]

for ep in range(opts.num_epochs):
    for images, labels in batches:
        sgd.zero_grad()
        nn.functional.cross_entropy(model(images), labels).backward()
        sgd.step()
    cosine.step()
