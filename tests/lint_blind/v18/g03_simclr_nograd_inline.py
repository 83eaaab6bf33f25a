# expect: TVL001
# style: beginner notebook export, SimCLR-style contrastive pretraining on synthetic images
# bug: the projection features are computed inside `with torch.no_grad()` in the training loop; only the learnable temperature gets gradients, so the encoder never trains.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

# ---- cell 1: config
BATCH = 128
EPOCHS = 10
LR = 1e-3
DIM = 64
device = "cuda" if torch.cuda.is_available() else "cpu"
print("device:", device)

# ---- cell 2: data (random images stand in for the unlabeled set)
images = torch.rand(2048, 3, 32, 32)
loader = DataLoader(TensorDataset(images), batch_size=BATCH, shuffle=True, drop_last=True)


def augment(x):
    # random crop-ish jitter + flip + colour noise
    if torch.rand(1).item() < 0.5:
        x = x.flip(-1)
    shift = torch.randint(-4, 5, (2,))
    x = torch.roll(x, shifts=(shift[0].item(), shift[1].item()), dims=(-2, -1))
    return (x + 0.05 * torch.randn_like(x)).clamp(0, 1)


# ---- cell 3: model
class SmallCNN(nn.Module):
    def __init__(self, out_dim):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.proj = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, out_dim))

    def forward(self, x):
        return self.proj(self.features(x))


encoder = SmallCNN(DIM).to(device)
log_temp = nn.Parameter(torch.tensor(0.07).log().to(device))
opt = torch.optim.Adam(list(encoder.parameters()) + [log_temp], lr=LR)


def nt_xent(z1, z2, temperature):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / temperature
    n = z1.shape[0]
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, targets)


# ---- cell 4: train
history = []
for epoch in range(EPOCHS):
    encoder.train()
    epoch_loss = 0.0
    for (x,) in loader:
        x = x.to(device)
        v1, v2 = augment(x), augment(x)
        with torch.no_grad():
            z1 = encoder(v1)
            z2 = encoder(v2)
        loss = nt_xent(z1, z2, log_temp.exp())
        opt.zero_grad()
        loss.backward()
        opt.step()
        epoch_loss += loss.item()
    history.append(epoch_loss / len(loader))
    print(f"epoch {epoch+1}/{EPOCHS}  loss={history[-1]:.4f}  temp={log_temp.exp().item():.4f}")

# ---- cell 5: save
torch.save({"encoder": encoder.state_dict(), "log_temp": log_temp.detach().cpu()}, "simclr_small.pt")
print("done", history)
