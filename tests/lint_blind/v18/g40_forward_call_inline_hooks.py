# expect: TVL013
# style: script with a model-level forward hook for logit/confidence monitoring, CNN on synthetic images
# bug: the training loop calls model.forward(x) directly, so the forward hook registered on the model (training-time logit statistics used for the over-confidence monitor) never fires during training.
import argparse
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--conf-alarm", type=float, default=0.98)
args = parser.parse_args()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.conv3(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


logit_stats = defaultdict(list)


def logit_monitor(module, inputs, output):
    with torch.no_grad():
        probs = output.softmax(-1)
        logit_stats["max_prob"].append(probs.max(-1).values.mean().item())
        logit_stats["logit_norm"].append(output.norm(dim=-1).mean().item())


model = Net()
handle = model.register_forward_hook(logit_monitor)

g = torch.Generator().manual_seed(0)
y_all = torch.randint(0, 10, (8000,), generator=g)
x_all = torch.randn(8000, 3, 32, 32, generator=g) + y_all.view(-1, 1, 1, 1).float() * 0.05
train_dl = DataLoader(TensorDataset(x_all[:7000], y_all[:7000]), batch_size=100, shuffle=True)
val_dl = DataLoader(TensorDataset(x_all[7000:], y_all[7000:]), batch_size=500)

optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

for epoch in range(args.epochs):
    logit_stats.clear()
    model.train()
    total = 0.0
    for x, y in train_dl:
        logits = model.forward(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()

    # over-confidence report from the training-time logits
    if logit_stats["max_prob"]:
        mean_conf = sum(logit_stats["max_prob"]) / len(logit_stats["max_prob"])
        mean_norm = sum(logit_stats["logit_norm"]) / len(logit_stats["logit_norm"])
        print(f"  train confidence {mean_conf:.3f} logit norm {mean_norm:.2f}")
        if mean_conf > args.conf_alarm:
            print("  WARNING: model is over-confident on training batches")

    # the hook also fires on validation batches; keep those out of the training stats
    handle.remove()
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in val_dl:
            correct += (model(x).argmax(1) == y).sum().item()
    print(f"epoch {epoch} loss {total / len(train_dl):.4f} val_acc {correct / 1000:.3f}")
    handle = model.register_forward_hook(logit_monitor)

handle.remove()
torch.save(model.state_dict(), "net_hooks.pt")
