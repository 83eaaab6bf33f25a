# expect: TVL014
# style: fine-tuning continuation script for a speech keyword spotter; checkpoint path from sys.argv
# bug: `init_from = sys.argv[1]` is passed directly to torch.load (full pickle) without weights_only=True
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "_unknown_", "_silence_"]


class KWSNet(nn.Module):
    def __init__(self, n_mfcc=40, n_cls=len(KEYWORDS)):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mfcc, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 3, padding=2, dilation=2), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 3, padding=4, dilation=4), nn.BatchNorm1d(64), nn.ReLU())
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        return self.fc(self.conv(x).mean(-1))


def spec_augment(x, max_f=6, max_t=10):
    x = x.clone()
    f0 = torch.randint(0, x.size(1) - max_f, (1,)).item()
    t0 = torch.randint(0, x.size(2) - max_t, (1,)).item()
    x[:, f0:f0 + torch.randint(0, max_f, (1,)).item()] = 0
    x[:, :, t0:t0 + torch.randint(0, max_t, (1,)).item()] = 0
    return x


if len(sys.argv) < 2:
    print("usage: finetune_kws.py CHECKPOINT [EPOCHS]")
    sys.exit(1)
init_from = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5

model = KWSNet()
ckpt = torch.load(init_from)
model.load_state_dict(ckpt["model_state"] if "model_state" in ckpt else ckpt)
print("initialised from", init_from)

feats = torch.randn(2400, 40, 98)
labels = torch.randint(0, len(KEYWORDS), (2400,))
loader = DataLoader(TensorDataset(feats, labels), batch_size=64, shuffle=True)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)

for ep in range(epochs):
    model.train()
    correct = n = 0
    for x, y in loader:
        logits = model(spec_augment(x))
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        correct += (logits.argmax(1) == y).sum().item()
        n += len(y)
    print(f"epoch {ep} train acc {correct/n:.4f}")

torch.save({"model_state": model.state_dict()}, "kws_finetuned.pt")
