# expect: TVL009
# style: beginner tabular regression notebook (California-housing-like), inline loop
# bug: the model outputs (B, 1) from nn.Linear(64, 1) while the target batch is (B,), so nn.MSELoss broadcasts to (B, B) and trains towards the batch mean
# In[1]:
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
from sklearn.metrics import r2_score, mean_absolute_error

# In[2]:
rng = np.random.default_rng(0)
N = 20640
data = pd.DataFrame({
    "MedInc": rng.gamma(4, 1, N),
    "HouseAge": rng.integers(1, 52, N),
    "AveRooms": rng.normal(5.4, 1.2, N),
    "AveBedrms": rng.normal(1.1, 0.2, N),
    "Population": rng.integers(3, 5000, N),
    "AveOccup": rng.normal(3.0, 0.8, N),
    "Latitude": rng.uniform(32.5, 42, N),
    "Longitude": rng.uniform(-124.3, -114.3, N),
})
data["MedHouseVal"] = 0.45 * data["MedInc"] + 0.01 * data["HouseAge"] + rng.normal(0, 0.4, N)
data.describe()

# In[3]:
X = data.drop(columns=["MedHouseVal"]).values
y = data["MedHouseVal"].values
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1)
sc = StandardScaler()
X_train = sc.fit_transform(X_train)
X_test = sc.transform(X_test)

X_train_t = torch.tensor(X_train, dtype=torch.float32)
y_train_t = torch.tensor(y_train, dtype=torch.float32)
X_test_t = torch.tensor(X_test, dtype=torch.float32)
y_test_t = torch.tensor(y_test, dtype=torch.float32)
print(X_train_t.shape, y_train_t.shape)

train_loader = DataLoader(TensorDataset(X_train_t, y_train_t), batch_size=64, shuffle=True)

# In[4]:
class HousingNet(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(n_features, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 1),
        )

    def forward(self, x):
        return self.layers(x)


model = HousingNet(X_train_t.shape[1])
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

# In[5]:
n_epochs = 100
history = []
best_mse, best_weights = np.inf, None
for epoch in range(n_epochs):
    model.train()
    for X_batch, y_batch in train_loader:
        y_pred = model(X_batch)
        loss = loss_fn(y_pred, y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        y_pred = model(X_test_t).squeeze(1)
        mse = float(((y_pred - y_test_t) ** 2).mean())
    history.append(mse)
    if mse < best_mse:
        best_mse = mse
        best_weights = {k: v.clone() for k, v in model.state_dict().items()}
    if epoch % 10 == 0:
        print(f"epoch {epoch:3d}  test MSE {mse:.4f}")

# In[6]:
model.load_state_dict(best_weights)
print("MSE: %.3f" % best_mse)
print("RMSE: %.3f" % np.sqrt(best_mse))

# In[7]:
model.eval()
with torch.no_grad():
    preds = model(X_test_t).squeeze(1).numpy()
print("R2:", r2_score(y_test, preds))
print("MAE:", mean_absolute_error(y_test, preds))
for i in range(5):
    print(f"pred {preds[i]:.3f}  true {y_test[i]:.3f}")

# In[7b]:
# baseline: predict the training mean
baseline = np.full_like(y_test, y_train.mean())
print("baseline MSE:", float(((baseline - y_test) ** 2).mean()))
residuals = preds - y_test
print("residual mean %.4f std %.4f" % (residuals.mean(), residuals.std()))
for lo, hi in [(0, 1), (1, 2), (2, 3), (3, 10)]:
    m = (y_test >= lo) & (y_test < hi)
    if m.any():
        print(f"target in [{lo},{hi}): n={m.sum():5d} MAE={np.abs(residuals[m]).mean():.3f}")

# In[8]:
import matplotlib.pyplot as plt
plt.plot(history)
plt.xlabel("epoch")
plt.ylabel("test MSE")
plt.savefig("housing_history.png")
torch.save(model.state_dict(), "housing_net.pt")
