# expect: clean
# style: beginner all-in-one script with globals and notebook-cell comments (house-price regression), written the right way
# note: shuffle=True for training, zero_grad every batch, running loss via .item(), target reshaped to (B, 1), model(x) calls, train()/eval() toggled per epoch, weights_only=True reload
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# %% config
EPOCHS = 40
BATCH = 64
LR = 1e-3
torch.manual_seed(0)

# %% data
X = np.random.rand(3000, 10).astype(np.float32)
y = (X @ np.arange(1, 11, dtype=np.float32) + np.random.randn(3000).astype(np.float32))
X_train, X_test = torch.tensor(X[:2500]), torch.tensor(X[2500:])
y_train, y_test = torch.tensor(y[:2500]).view(-1, 1), torch.tensor(y[2500:]).view(-1, 1)
train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=BATCH, shuffle=True)
test_loader = DataLoader(TensorDataset(X_test, y_test), batch_size=BATCH)

# %% model
model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.3)

# %% training
train_hist, test_hist = [], []
for epoch in range(EPOCHS):
    model.train()
    running_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        pred = model(xb)
        loss = loss_fn(pred, yb)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * xb.size(0)
    scheduler.step()
    train_hist.append(running_loss / len(train_loader.dataset))

    # %% evaluation
    model.eval()
    test_loss = 0.0
    with torch.no_grad():
        for xb, yb in test_loader:
            test_loss += loss_fn(model(xb), yb).item() * xb.size(0)
    test_hist.append(test_loss / len(test_loader.dataset))
    if epoch % 5 == 0:
        print(f"epoch {epoch}: train {train_hist[-1]:.3f} test {test_hist[-1]:.3f}")

# %% save / reload
torch.save(model.state_dict(), "house_model.pt")
model.load_state_dict(torch.load("house_model.pt", weights_only=True))
model.eval()
with torch.no_grad():
    print("sample predictions:", model(X_test[:5]).squeeze(1).tolist(), "true:", y_test[:5].squeeze(1).tolist())
