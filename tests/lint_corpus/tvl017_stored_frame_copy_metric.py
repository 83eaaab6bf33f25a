# expect: TVL017
# House prices: the runner keeps a re-indexed copy of the validation rows on itself and builds a
# shuffled loader over the same rows; score() compares the batch-ordered predictions with the
# copy's prices in row order.
import pandas as pd
import torch
from sklearn.metrics import mean_absolute_error
from torch import nn
from torch.utils.data import DataLoader, Dataset

FEATURES = ["area", "rooms", "age", "distance"]


class Rows(Dataset):
    def __init__(self, frame):
        self.x = torch.tensor(frame[FEATURES].to_numpy(), dtype=torch.float32)
        self.y = torch.tensor(frame["price"].to_numpy(), dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def loader_for(frame, shuffle):
    return DataLoader(Rows(frame), batch_size=128, shuffle=shuffle)


class Runner:
    def __init__(self, net, train_rows, valid_rows):
        self.net = net
        self.opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        self.train_loader = loader_for(train_rows, shuffle=True)
        self.valid_loader = loader_for(valid_rows, shuffle=True)
        self.valid_rows = valid_rows.reset_index(drop=True)

    def fit_epoch(self):
        self.net.train()
        for feats, price in self.train_loader:
            loss = nn.functional.mse_loss(self.net(feats).squeeze(-1), price)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()

    def score(self):
        self.net.eval()
        outs = []
        with torch.no_grad():
            for feats, _ in self.valid_loader:
                outs.append(self.net(feats).squeeze(-1))
        pred = torch.cat(outs).numpy()
        truth = self.valid_rows["price"].to_numpy()
        return mean_absolute_error(truth, pred)


if __name__ == "__main__":
    table = pd.read_csv("houses.csv")
    runner = Runner(nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1)), table[table.year < 2020], table[table.year >= 2020])
    for epoch in range(10):
        runner.fit_epoch()
        print(epoch, runner.score())
