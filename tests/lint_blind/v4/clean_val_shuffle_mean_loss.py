# expect: clean
# style: ignite-like evaluator written by hand (running averages of loss and accuracy per batch)
# note: the validation loader is shuffled, but the evaluation only sums per-batch loss and correct counts computed from each batch's own labels, so the result does not depend on order
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 10, 5), nn.Conv2d(10, 20, 5)
        self.fc1, self.fc2 = nn.Linear(320, 50), nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(F.dropout2d(self.conv2(x), 0.5, self.training), 2))
        return self.fc2(F.dropout(F.relu(self.fc1(x.flatten(1))), training=self.training))


def create_evaluator(model):
    @torch.no_grad()
    def evaluate(loader):
        model.eval()
        total_loss, correct, n = 0.0, 0, 0
        for x, y in loader:
            out = model(x)
            total_loss += F.cross_entropy(out, y, reduction="sum").item()
            correct += (out.argmax(1) == y).sum().item()
            n += y.size(0)
        return {"nll": total_loss / n, "accuracy": correct / n}
    return evaluate


def create_trainer(model, optimizer):
    def update(batch):
        model.train()
        x, y = batch
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()
    return update


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    mk = lambda n: TensorDataset(torch.randn(n, 1, 28, 28), torch.randint(0, 10, (n,)))
    train_loader = DataLoader(mk(3000), batch_size=64, shuffle=True)
    val_loader = DataLoader(mk(1000), batch_size=1000 // 8, shuffle=True)
    model = Net()
    update = create_trainer(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5))
    evaluate = create_evaluator(model)
    for epoch in range(1, args.epochs + 1):
        for batch in train_loader:
            update(batch)
        metrics = evaluate(val_loader)
        print(f"Validation Results - Epoch: {epoch}  Avg accuracy: {metrics['accuracy']:.2f} Avg loss: {metrics['nll']:.2f}")
