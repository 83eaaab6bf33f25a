# expect: TVL017
# A Predictor is constructed with the test table: it keeps the table's ids on itself and builds a
# shuffled loader over the same table, so write() puts each prediction next to another row's id.
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class TableSet(Dataset):
    def __init__(self, table):
        self.values = torch.tensor(table.drop(columns=["id"]).to_numpy(), dtype=torch.float32)

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return self.values[i]


class Predictor:
    def __init__(self, net, table):
        self.net = net
        self.ids = table["id"].to_numpy()
        self.loader = DataLoader(TableSet(table), batch_size=256, shuffle=True)

    @torch.no_grad()
    def write(self, path):
        self.net.eval()
        scores = torch.cat([self.net(x).squeeze(-1) for x in self.loader]).numpy()
        pd.DataFrame({"id": self.ids, "score": scores}).to_csv(path, index=False)


if __name__ == "__main__":
    test_table = pd.read_csv("test.csv")
    net = nn.Sequential(nn.Linear(test_table.shape[1] - 1, 16), nn.ReLU(), nn.Linear(16, 1))
    net.load_state_dict(torch.load("net.pt"))
    Predictor(net, test_table).write("submission.csv")
