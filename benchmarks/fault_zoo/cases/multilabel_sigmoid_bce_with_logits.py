# zoo: expect=probabilities-as-logits
# zoo: source=https://github.com/PacktPublishing/PyTorch-Ultimate-2023---From-Basics-to-Cutting-Edge/pull/3 (multi-label model ends in a sigmoid, trained with BCEWithLogitsLoss)
"""Fault: a multi-label classifier (5 independent labels per sample) whose model ends in
nn.Sigmoid(), trained with nn.BCEWithLogitsLoss, which applies its own sigmoid. The loss sees
sigmoid(sigmoid(z)) in (0.5, 0.73) for every label: it cannot say "absent" with any
confidence, so the gradient never stops pushing every output down. The rows do not sum to 1,
so no value check can tell them from logits; the sigmoid that produced them can
(probabilities-as-logits). --fixed: no nn.Sigmoid in the model (apply it for prediction only)."""

import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(2048, 16, generator=g)
w = torch.randn(16, 5, generator=g)
labels = (x @ w + 0.5 * torch.randn(2048, 5, generator=g) > 0.8).float()  # each label ~25% present
loader = DataLoader(TensorDataset(x, labels), batch_size=64, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

last = [] if args.fixed else [nn.Sigmoid()]  # the bug: a sigmoid before BCEWithLogitsLoss
model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 5), *last)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        out = model(x)
        probs = out if not args.fixed else torch.sigmoid(out)
        acc = ((probs > 0.5).float() == labels).float().mean().item()
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}, label accuracy {acc:.3f}")
