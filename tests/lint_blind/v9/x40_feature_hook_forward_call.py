# expect: TVL013
# style: Kaggle plant-disease classifier with a forward hook collecting embeddings, inline loop
# bug: the training loop calls model.forward(images) directly, so the registered forward hook (and any other module hooks on the top-level model) never fires.
import os
import random
import numpy as np
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

N_CLASSES = 38
device = "cuda" if torch.cuda.is_available() else "cpu"


class LeafNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 48, 3, 2, 1), nn.BatchNorm2d(48), nn.SiLU())
        self.blocks = nn.Sequential(
            nn.Conv2d(48, 96, 3, 2, 1), nn.BatchNorm2d(96), nn.SiLU(),
            nn.Conv2d(96, 192, 3, 2, 1), nn.BatchNorm2d(192), nn.SiLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(192, N_CLASSES)

    def forward(self, x):
        return self.head(self.pool(self.blocks(self.stem(x))).flatten(1))


model = LeafNet().to(device)
epoch_stats = {"logit_norm": []}


def logit_norm_hook(module, inputs, output):
    # track logit scale for the over-confidence plots in the report
    epoch_stats["logit_norm"].append(output.detach().norm(dim=1).mean().item())


model.register_forward_hook(logit_norm_hook)

X = torch.randn(4000, 3, 96, 96)
y = torch.randint(0, N_CLASSES, (4000,))
train_loader = DataLoader(TensorDataset(X[:3500], y[:3500]), batch_size=64, shuffle=True)
valid_loader = DataLoader(TensorDataset(X[3500:], y[3500:]), batch_size=128)

optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=12)

for epoch in range(12):
    model.train()
    epoch_stats["logit_norm"].clear()
    tr_loss = 0.0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        logits = model.forward(images)
        loss = F.cross_entropy(logits, labels, label_smoothing=0.05)
        loss.backward()
        optimizer.step()
        tr_loss += loss.item()
    scheduler.step()

    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in valid_loader:
            correct += (model(images.to(device)).argmax(1).cpu() == labels).sum().item()
    ln = np.mean(epoch_stats["logit_norm"]) if epoch_stats["logit_norm"] else float("nan")
    print(f"epoch {epoch} loss {tr_loss / len(train_loader):.4f} val_acc {correct / 500:.4f} mean logit norm {ln:.2f}")

# export penultimate embeddings for the retrieval demo
model.eval()
feats = []
with torch.no_grad():
    for images, _ in valid_loader:
        f = model.pool(model.blocks(model.stem(images.to(device)))).flatten(1)
        feats.append(f.cpu())
np.save("leaf_embeddings.npy", torch.cat(feats).numpy())
torch.save(model.state_dict(), "leafnet.pt")
