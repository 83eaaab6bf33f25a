# expect: TVL008
# style: beginner tabular churn prediction, pandas preprocessing, inline training
# bug: the network ends in nn.Sigmoid() and its output goes into nn.BCEWithLogitsLoss, which applies a second sigmoid
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

np.random.seed(0)
torch.manual_seed(0)

# ---- fake "churn.csv" ----
n = 7000
df = pd.DataFrame({
    "tenure": np.random.randint(0, 72, n),
    "monthly_charges": np.random.uniform(18, 120, n),
    "contract": np.random.choice(["month", "one_year", "two_year"], n),
    "internet": np.random.choice(["dsl", "fiber", "no"], n),
    "senior": np.random.randint(0, 2, n),
})
df["total_charges"] = df["tenure"] * df["monthly_charges"]
df["churn"] = ((df["contract"] == "month") & (np.random.rand(n) < 0.45)).astype(int)

df = pd.get_dummies(df, columns=["contract", "internet"], drop_first=True)
X = df.drop(columns=["churn"]).values.astype(np.float32)
y = df["churn"].values.astype(np.float32)

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train).astype(np.float32), scaler.transform(X_test).astype(np.float32)

train_loader = DataLoader(TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)), batch_size=64, shuffle=True)
test_loader = DataLoader(TensorDataset(torch.from_numpy(X_test), torch.from_numpy(y_test)), batch_size=512)

model = nn.Sequential(
    nn.Linear(X.shape[1], 64),
    nn.ReLU(),
    nn.Dropout(0.2),
    nn.Linear(64, 32),
    nn.ReLU(),
    nn.Linear(32, 1),
    nn.Sigmoid(),
)

pos_weight = torch.tensor([(y_train == 0).sum() / (y_train == 1).sum()])
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

history = {"loss": [], "acc": []}
for epoch in range(40):
    model.train()
    running = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        out = model(xb).squeeze(1)
        loss = criterion(out, yb)
        loss.backward()
        optimizer.step()
        running += loss.item() * xb.size(0)
    history["loss"].append(running / len(train_loader.dataset))

    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in test_loader:
            prob = model(xb).squeeze(1)
            correct += ((prob > 0.5).float() == yb).sum().item()
    history["acc"].append(correct / len(test_loader.dataset))
    if epoch % 5 == 0:
        print(f"Epoch {epoch:02d} | loss {history['loss'][-1]:.4f} | test acc {history['acc'][-1]:.4f}")

print("final test accuracy:", history["acc"][-1])
pd.DataFrame(history).to_csv("churn_history.csv", index=False)
