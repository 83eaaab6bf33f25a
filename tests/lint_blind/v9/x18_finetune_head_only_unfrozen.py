# expect: TVL006
# style: transfer-learning notebook, pretrained-style backbone + new classifier (vision)
# bug: the optimizer only gets the new classifier's parameters but the backbone is never frozen, so full backbone gradients are computed every step and never applied (the author believed it was "linear probing").
import os
import random
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

# ---- settings
NUM_CLASSES = 37
EPOCHS = 8
LR = 1e-2
device = "cuda" if torch.cuda.is_available() else "cpu"


class Backbone(nn.Module):
    """Stand-in for a torchvision resnet18 with fc removed."""

    def __init__(self):
        super().__init__()
        chans = [3, 64, 128, 256, 512]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(a, b, 3, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)
        self.out_dim = chans[-1]

    def forward(self, x):
        return F.adaptive_avg_pool2d(self.body(x), 1).flatten(1)


class PetClassifier(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.backbone = Backbone()
        self.classifier = nn.Linear(self.backbone.out_dim, num_classes)

    def forward(self, x):
        return self.classifier(self.backbone(x))


model = PetClassifier(NUM_CLASSES).to(device)
# model.backbone.load_state_dict(torch.load("resnet18_backbone.pth", weights_only=True))

# linear probe: only the classifier is optimised
optimizer = torch.optim.SGD(model.classifier.parameters(), lr=LR, momentum=0.9)

train_ds = TensorDataset(torch.randn(1500, 3, 128, 128), torch.randint(0, NUM_CLASSES, (1500,)))
val_ds = TensorDataset(torch.randn(300, 3, 128, 128), torch.randint(0, NUM_CLASSES, (300,)))
train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=64)

for epoch in range(EPOCHS):
    model.train()
    tot_loss = 0.0
    for xb, yb in train_loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        tot_loss += loss.item() * xb.size(0)

    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            correct += (model(xb.to(device)).argmax(1) == yb.to(device)).sum().item()
    print(f"epoch {epoch+1}/{EPOCHS} loss={tot_loss/len(train_ds):.4f} val_acc={correct/len(val_ds):.3f}")

torch.save(model.classifier.state_dict(), "probe_head.pth")
