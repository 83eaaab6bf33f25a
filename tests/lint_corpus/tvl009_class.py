# expect: TVL009
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Regressor(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU())
        self.head = nn.Linear(32, 1)

    def forward(self, x):
        h = self.body(x)
        return self.head(h)


def train(features, targets, epochs=10):
    y = torch.as_tensor(targets, dtype=torch.float32).view(-1)
    loader = DataLoader(TensorDataset(features, y), batch_size=32, shuffle=True)
    model = Regressor(features.shape[1])
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(epochs):
        for i, (xb, yb) in enumerate(loader):
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
    return model
