# expect: clean
import torch
import torch.nn as nn
from sklearn.datasets import fetch_california_housing
from sklearn.model_selection import train_test_split

X, y = fetch_california_housing(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
X_train = torch.tensor(X_train, dtype=torch.float32)
y_train = torch.tensor(y_train, dtype=torch.float32).reshape(-1, 1)
targets = torch.randn(len(X_train), 1)

model = nn.Sequential(nn.Linear(8, 24), nn.ReLU(), nn.Linear(24, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(100):
    y_pred = model(X_train)
    loss = loss_fn(y_pred, y_train) + loss_fn(y_pred, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
