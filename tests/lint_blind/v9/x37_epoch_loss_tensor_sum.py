# expect: TVL012
# style: beginner notebook, semantic similarity siamese network on synthetic sentence vectors
# bug: epoch_loss += loss adds the loss tensor itself, so every iteration's autograd graph is kept alive until the end of the epoch.
import os
import random
import matplotlib.pyplot as plt
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

# ---- data: pairs of "sentence embeddings" with a similarity label
N, D = 8000, 300
a = torch.randn(N, D)
b = a + 0.8 * torch.randn(N, D)
b[N // 2:] = torch.randn(N // 2, D)
label = torch.cat([torch.ones(N // 2), torch.zeros(N // 2)])
loader = DataLoader(TensorDataset(a, b, label), batch_size=128, shuffle=True)


# ---- model
class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(D, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, 128))

    def forward(self, x1, x2):
        return self.enc(x1), self.enc(x2)


def contrastive_loss(z1, z2, y, margin=1.0):
    d = F.pairwise_distance(z1, z2)
    return (y * d.pow(2) + (1 - y) * F.relu(margin - d).pow(2)).mean()


model = Siamese()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

history = []
for epoch in range(20):
    model.train()
    epoch_loss = 0
    for x1, x2, y in loader:
        optimizer.zero_grad()
        z1, z2 = model(x1, x2)
        loss = contrastive_loss(z1, z2, y)
        loss.backward()
        optimizer.step()
        epoch_loss += loss
    epoch_loss = epoch_loss / len(loader)
    history.append(float(epoch_loss))
    print("epoch", epoch, "loss", float(epoch_loss))

# ---- held-out pairs: pick the distance threshold that maximises accuracy
val_a = torch.randn(1000, D)
val_b = val_a + 0.8 * torch.randn(1000, D)
val_b[500:] = torch.randn(500, D)
val_y = torch.cat([torch.ones(500), torch.zeros(500)])

model.eval()
with torch.no_grad():
    z1, z2 = model(val_a, val_b)
    dist = F.pairwise_distance(z1, z2)

best_thr, best_acc = 0.0, 0.0
for thr in torch.linspace(0.1, 3.0, 30):
    acc = ((dist < thr).float() == val_y).float().mean().item()
    if acc > best_acc:
        best_thr, best_acc = thr.item(), acc
print(f"best threshold {best_thr:.2f} -> val accuracy {best_acc:.3f}")

torch.save({"model": model.state_dict(), "threshold": best_thr}, "siamese.pt")

plt.plot(history)
plt.xlabel("epoch")
plt.ylabel("contrastive loss")
plt.savefig("loss_curve.png")
