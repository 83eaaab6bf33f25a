# expect: clean
# style: calibration post-hoc temperature scaling (gpleiss/temperature_scaling-style ModelWithTemperature)
# note: logits are collected once under no_grad (the base model is not being trained); LBFGS optimizes only the temperature through a closure that zeroes grads and returns the loss
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ModelWithTemperature(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.temperature = nn.Parameter(torch.ones(1) * 1.5)

    def forward(self, x):
        return self.temperature_scale(self.model(x))

    def temperature_scale(self, logits):
        return logits / self.temperature

    def set_temperature(self, valid_loader, max_iter=50):
        self.model.eval()
        logits_list, labels_list = [], []
        with torch.no_grad():
            for x, y in valid_loader:
                logits_list.append(self.model(x))
                labels_list.append(y)
        logits, labels = torch.cat(logits_list), torch.cat(labels_list)
        before = F.cross_entropy(logits, labels).item()
        optimizer = torch.optim.LBFGS([self.temperature], lr=0.01, max_iter=max_iter)

        def closure():
            optimizer.zero_grad()
            loss = F.cross_entropy(self.temperature_scale(logits), labels)
            loss.backward()
            return loss

        optimizer.step(closure)
        after = F.cross_entropy(self.temperature_scale(logits), labels).item()
        print(f"NLL before {before:.3f} after {after:.3f}; T = {self.temperature.item():.3f}")
        return self


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args()
    base = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    valid = TensorDataset(torch.randn(5000, 64), torch.randint(0, 10, (5000,)))
    valid_loader = DataLoader(valid, batch_size=args.batch_size, shuffle=False)
    scaled = ModelWithTemperature(base).set_temperature(valid_loader)
