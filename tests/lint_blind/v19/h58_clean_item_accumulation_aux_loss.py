# expect: clean
# style: notebook-style multi-output (age/gender) face model; per-iteration loss sums, epoch totals via .item()
# note: `loss = loss_age + loss_gender` and `running += loss.item()` look like TVL012, but the tensor sum is within one iteration and the cross-iteration accumulators only receive Python floats
# In[1]:
import time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

# In[2]:
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(3)
N = 12000
images = torch.rand(N, 3, 64, 64)
ages = torch.rand(N) * 80 + 5
genders = torch.randint(0, 2, (N,)).float()
n_tr = 10000
train_dl = DataLoader(TensorDataset(images[:n_tr], ages[:n_tr], genders[:n_tr]), batch_size=64, shuffle=True)
val_dl = DataLoader(TensorDataset(images[n_tr:], ages[n_tr:], genders[n_tr:]), batch_size=256)

# In[3]:
class AgeGenderNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.age_head = nn.Linear(128, 1)
        self.gender_head = nn.Linear(128, 1)

    def forward(self, x):
        h = self.body(x)
        return self.age_head(h).squeeze(1), self.gender_head(h).squeeze(1)


model = AgeGenderNet().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
AGE_W = 0.02

# In[4]:
history = {"loss": [], "age_mae": [], "gender_acc": []}
for epoch in range(15):
    model.train()
    t0 = time.time()
    running, running_age, running_gender, steps = 0.0, 0.0, 0.0, 0
    for x, age, gender in train_dl:
        x, age, gender = x.to(device), age.to(device), gender.to(device)
        age_pred, gender_logit = model(x)
        loss_age = F.l1_loss(age_pred, age)
        loss_gender = F.binary_cross_entropy_with_logits(gender_logit, gender)
        loss = AGE_W * loss_age
        loss = loss + loss_gender
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
        running_age += loss_age.item()
        running_gender += loss_gender.item()
        steps += 1

    model.eval()
    abs_err, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for x, age, gender in val_dl:
            a, g = model(x.to(device))
            abs_err += (a.cpu() - age).abs().sum().item()
            correct += ((g.cpu() > 0).float() == gender).sum().item()
            n += age.numel()
    history["loss"].append(running / steps)
    history["age_mae"].append(abs_err / n)
    history["gender_acc"].append(correct / n)
    print(f"epoch {epoch:2d} loss {running / steps:.4f} (age {running_age / steps:.2f}, gender {running_gender / steps:.4f}) "
          f"| val MAE {abs_err / n:.2f} acc {correct / n:.3f} | {time.time() - t0:.0f}s")

# In[5]:
import matplotlib.pyplot as plt
fig, ax = plt.subplots(1, 3, figsize=(14, 4))
for a, (k, v) in zip(ax, history.items()):
    a.plot(v)
    a.set_title(k)
plt.savefig("age_gender_history.png")

# In[6]:
# error by age bucket on the validation split
model.eval()
buckets = {(0, 18): [], (18, 35): [], (35, 55): [], (55, 100): []}
with torch.no_grad():
    for x, age, gender in val_dl:
        a, _ = model(x.to(device))
        err = (a.cpu() - age).abs()
        for (lo, hi), store in buckets.items():
            m = (age >= lo) & (age < hi)
            store.extend(err[m].tolist())
for (lo, hi), errs in buckets.items():
    if errs:
        print(f"age {lo:2d}-{hi:3d}: n={len(errs):4d} MAE={np.mean(errs):.2f}")

# In[7]:
torch.save(model.state_dict(), "age_gender.pt")
print("final", {k: round(v[-1], 4) for k, v in history.items()})
