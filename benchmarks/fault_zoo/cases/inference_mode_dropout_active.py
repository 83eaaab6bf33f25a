# zoo: expect=validation-in-train-mode
# zoo: source=https://stackoverflow.com/questions/55627780
# zoo: onset=17
"""Fault: a regression MLP with dropout is evaluated every epoch under torch.inference_mode()
without model.eval(): dropout keeps dropping units, so the validation loss comes out noisy and
too high (validation-in-train-mode; the evaluation begins after the 16 iterations of epoch 1
and is seen at iteration 17). --fixed: model.eval() for the evaluation, model.train() after."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(640, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
x_train, y_train, x_val, y_val = x[:512], y[:512], x[512:], y[512:]

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 64), nn.ReLU(),
                      nn.Dropout(0.3), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)


def evaluate() -> float:
    with torch.inference_mode():
        return sum(F.mse_loss(model(x_val[i : i + 32]), y_val[i : i + 32]).item() for i in range(0, 128, 32)) / 4


for epoch in range(4):
    model.train()
    perm = torch.randperm(512, generator=g)
    for i in range(0, 512, 32):
        idx = perm[i : i + 32]
        optimizer.zero_grad()
        F.mse_loss(model(x_train[idx]), y_train[idx]).backward()
        optimizer.step()
    if args.fixed:
        model.eval()
    print(f"epoch {epoch}: val mse {evaluate():.4f}")
