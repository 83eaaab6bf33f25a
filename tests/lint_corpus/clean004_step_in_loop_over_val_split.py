# expect: clean
# The loaders live in a dict keyed by split; the evaluation loop only measures the loss under
# no_grad.
import torch
import torch.nn as nn

splits = {
    "train": [(torch.randn(16, 5), torch.randn(16, 1)) for _ in range(20)],
    "val": [(torch.randn(16, 5), torch.randn(16, 1)) for _ in range(5)],
}
reg = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 1))
sgd = torch.optim.SGD(reg.parameters(), lr=0.01)
for epoch in range(12):
    reg.train()
    for xb, yb in splits["train"]:
        loss = nn.functional.mse_loss(reg(xb), yb)
        sgd.zero_grad()
        loss.backward()
        sgd.step()
    reg.eval()
    total = 0.0
    with torch.no_grad():
        for xb, yb in splits["val"]:
            loss = nn.functional.mse_loss(reg(xb), yb)
            total += loss.item()
    print(epoch, total / 5)
