# expect: TVL013
# style: notebook-style tabular autoencoder for anomaly detection with a forward hook on the model for monitoring
# bug: the training loop calls model.forward(x) directly, so the forward hook registered on the model (per-batch reconstruction error monitoring) never runs during training.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)
rng = np.random.default_rng(1)

# ---- synthetic sensor data: normal operation + a few anomalies in the test split
n_feat = 24
normal = rng.normal(0, 1, (20000, n_feat)).astype(np.float32)
normal[:, 1] = normal[:, 0] * 0.8 + rng.normal(0, 0.2, 20000)
test_normal = rng.normal(0, 1, (2000, n_feat)).astype(np.float32)
test_normal[:, 1] = test_normal[:, 0] * 0.8
test_anom = rng.normal(0, 3, (200, n_feat)).astype(np.float32)
X_test = np.concatenate([test_normal, test_anom])
y_test = np.concatenate([np.zeros(2000), np.ones(200)])

train_loader = DataLoader(TensorDataset(torch.from_numpy(normal)), batch_size=256, shuffle=True)
test_loader = DataLoader(TensorDataset(torch.from_numpy(X_test)), batch_size=1024)


class AE(nn.Module):
    def __init__(self, d_in, d_lat=6):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, d_lat))
        self.decoder = nn.Sequential(nn.Linear(d_lat, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, d_in))

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = AE(n_feat)
recon_stats = {"err": [], "max": []}


def monitor_recon(module, inputs, output):
    err = (output.detach() - inputs[0].detach()).pow(2).mean(1)
    recon_stats["err"].append(err.mean().item())
    recon_stats["max"].append(err.max().item())


model.register_forward_hook(monitor_recon)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
mse = nn.MSELoss()

# In[ ]:
for epoch in range(25):
    model.train()
    total = 0.0
    for (xb,) in train_loader:
        recon = model.forward(xb)
        loss = mse(recon, xb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    if recon_stats["max"]:
        worst = np.max(recon_stats["max"][-len(train_loader):])
    else:
        worst = float("nan")
    print(f"epoch {epoch:2d}  recon {total / len(normal):.5f}  worst_row {worst:.3f}")

# In[ ]:
model.eval()
scores = []
with torch.no_grad():
    for (xb,) in test_loader:
        scores.append(((model(xb) - xb) ** 2).mean(1).numpy())
scores = np.concatenate(scores)
thr = np.quantile(scores[:2000], 0.99)
pred = scores > thr
tp = int(((pred == 1) & (y_test == 1)).sum())
fp = int(((pred == 1) & (y_test == 0)).sum())
fn = int(((pred == 0) & (y_test == 1)).sum())
print(f"threshold {thr:.4f}  precision {tp / max(tp + fp, 1):.3f}  recall {tp / max(tp + fn, 1):.3f}")
torch.save(model.state_dict(), "sensor_ae.pt")
