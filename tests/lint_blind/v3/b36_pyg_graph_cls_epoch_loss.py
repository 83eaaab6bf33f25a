# expect: TVL012
# style: PyTorch Geometric graph classification example (GIN on TU-like dataset, global_add_pool, train()/test())
# bug: train() does total_loss += loss * data.num_graphs with the loss tensor, so the autograd graphs of all batches stay referenced until the epoch ends
import argparse
import torch
import torch.nn.functional as F
from torch.nn import BatchNorm1d, Linear, ReLU, Sequential
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader
from torch_geometric.nn import GINConv, global_add_pool


class GIN(torch.nn.Module):
    def __init__(self, in_channels, hidden_channels, out_channels, num_layers):
        super().__init__()
        self.convs = torch.nn.ModuleList()
        for _ in range(num_layers):
            mlp = Sequential(Linear(in_channels, hidden_channels), BatchNorm1d(hidden_channels), ReLU(),
                             Linear(hidden_channels, hidden_channels))
            self.convs.append(GINConv(mlp, train_eps=True))
            in_channels = hidden_channels
        self.lin = Linear(hidden_channels, out_channels)

    def forward(self, x, edge_index, batch):
        for conv in self.convs:
            x = conv(x, edge_index).relu()
        return self.lin(global_add_pool(x, batch))


def random_graphs(n, feats=16):
    out = []
    for _ in range(n):
        nn_ = int(torch.randint(8, 30, ()))
        out.append(Data(x=torch.randn(nn_, feats), edge_index=torch.randint(0, nn_, (2, nn_ * 3)), y=torch.randint(0, 2, (1,))))
    return out


def train(model, loader, optimizer):
    model.train()
    total_loss = 0
    for data in loader:
        optimizer.zero_grad()
        out = model(data.x, data.edge_index, data.batch)
        loss = F.cross_entropy(out, data.y)
        loss.backward()
        optimizer.step()
        total_loss += loss * data.num_graphs
    return float(total_loss) / len(loader.dataset)


@torch.no_grad()
def test(model, loader):
    model.eval()
    total_correct = 0
    for data in loader:
        pred = model(data.x, data.edge_index, data.batch).argmax(dim=-1)
        total_correct += int((pred == data.y).sum())
    return total_correct / len(loader.dataset)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden_channels", type=int, default=32)
    parser.add_argument("--num_layers", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    dataset = random_graphs(600)
    train_loader = DataLoader(dataset[:500], batch_size=64, shuffle=True)
    test_loader = DataLoader(dataset[500:], batch_size=64)
    model = GIN(16, args.hidden_channels, 2, args.num_layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(1, args.epochs + 1):
        loss = train(model, train_loader, optimizer)
        print(f"Epoch: {epoch:03d}, Loss: {loss:.4f}, Train: {test(model, train_loader):.4f}, Test: {test(model, test_loader):.4f}")
