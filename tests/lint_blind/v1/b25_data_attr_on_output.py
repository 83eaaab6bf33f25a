# expect: TVL002
# style: old-style (PyTorch 0.3-era) GitHub time-series repo, Variable wrapper and .data access
# bug: pred = model(x).data strips the graph; the loss is then re-wrapped in Variable(requires_grad=True)
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Variable


class LSTMForecaster(nn.Module):
    def __init__(self, input_size=1, hidden_size=64, num_layers=2, horizon=1):
        super(LSTMForecaster, self).__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.linear(out[:, -1, :])


def create_windows(series, lookback):
    xs, ys = [], []
    for i in range(len(series) - lookback):
        xs.append(series[i:i + lookback])
        ys.append(series[i + lookback])
    return np.array(xs)[..., None].astype(np.float32), np.array(ys)[:, None].astype(np.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lookback", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()

    t = np.linspace(0, 60, 1500)
    series = np.sin(t) + 0.1 * np.random.randn(len(t))
    X, Y = create_windows(series, args.lookback)
    trainX, trainY = Variable(torch.from_numpy(X[:1200])), Variable(torch.from_numpy(Y[:1200]))
    testX, testY = torch.from_numpy(X[1200:]), torch.from_numpy(Y[1200:])

    model = LSTMForecaster()
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        pred = model(trainX).data
        loss = criterion(pred, trainY)
        loss = Variable(loss, requires_grad=True)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % 10 == 0:
            print("Epoch: %d, loss: %1.5f" % (epoch, loss.item()))

    model.eval()
    with torch.no_grad():
        test_loss = criterion(model(testX), testY).item()
    print("test MSE: %.5f" % test_loss)


if __name__ == "__main__":
    main()
