# expect: TVL006
# The group list grows by appends: the whole model at the base rate, then the output layer's
# weight and bias again with no weight decay, so those two parameters sit in two groups.
import torch
import torch.nn as nn


class SignalNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv1d(3, 16, 5), nn.ReLU(), nn.Flatten())
        self.fc = nn.Linear(16 * 60, 4)

    def forward(self, x):
        return self.fc(self.features(x))


model = SignalNet()

param_groups = []
param_groups.append({"params": model.parameters(), "weight_decay": 1e-2})
param_groups.append({"params": [model.fc.weight, model.fc.bias], "weight_decay": 0.0})
optimizer = torch.optim.AdamW(param_groups, lr=3e-4)

for signal, label in [(torch.randn(8, 3, 64), torch.randint(0, 4, (8,)))] * 30:
    loss = nn.functional.cross_entropy(model(signal), label)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
