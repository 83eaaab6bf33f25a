# expect: TVL006
# style: Kaggle notebook ("discriminative learning rates" done with two optimizers)
# bug: opt_body is built over model.parameters() (which already includes the head) and opt_head over model.head -> head updated twice
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

EPOCHS, LR_BODY, LR_HEAD = 5, 1e-4, 1e-3


class PetModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                                  nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(64, 1))

    def forward(self, x):
        return self.head(self.body(x))


x = torch.randn(800, 3, 64, 64)
y = torch.rand(800, 1) * 100
train_dl = DataLoader(TensorDataset(x[:640], y[:640]), batch_size=32, shuffle=True)
valid_dl = DataLoader(TensorDataset(x[640:], y[640:]), batch_size=64)

model = PetModel()
opt_body = torch.optim.AdamW(model.parameters(), lr=LR_BODY)
opt_head = torch.optim.AdamW(model.head.parameters(), lr=LR_HEAD)
loss_fn = nn.MSELoss()

for epoch in range(EPOCHS):
    model.train()
    for xb, yb in train_dl:
        opt_body.zero_grad()
        opt_head.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt_body.step()
        opt_head.step()

    model.eval()
    preds, targets = [], []
    with torch.no_grad():
        for xb, yb in valid_dl:
            preds.append(model(xb).numpy())
            targets.append(yb.numpy())
    rmse = np.sqrt(np.mean((np.concatenate(preds) - np.concatenate(targets)) ** 2))
    print(f"Epoch {epoch}: valid RMSE {rmse:.3f}")
