# expect: clean
# style: PyTorch Geometric gat.py example (full-batch Planetoid-like node classification, no DataLoader, @torch.no_grad test())
# note: full-batch training has no DataLoader to shuffle; train() sets train mode and zero_grads, test() is decorated with no_grad and sets eval
import argparse
import torch
import torch.nn.functional as F
from torch_geometric.data import Data
from torch_geometric.nn import GATConv


class GAT(torch.nn.Module):
    def __init__(self, in_channels, hidden_channels, out_channels, heads):
        super().__init__()
        self.conv1 = GATConv(in_channels, hidden_channels, heads, dropout=0.6)
        self.conv2 = GATConv(hidden_channels * heads, out_channels, heads=1, concat=False, dropout=0.6)

    def forward(self, x, edge_index):
        x = F.dropout(x, p=0.6, training=self.training)
        x = F.elu(self.conv1(x, edge_index))
        x = F.dropout(x, p=0.6, training=self.training)
        return self.conv2(x, edge_index)


def train(model, data, optimizer):
    model.train()
    optimizer.zero_grad()
    out = model(data.x, data.edge_index)
    loss = F.cross_entropy(out[data.train_mask], data.y[data.train_mask])
    loss.backward()
    optimizer.step()
    return float(loss)


@torch.no_grad()
def test(model, data):
    model.eval()
    pred = model(data.x, data.edge_index).argmax(dim=-1)
    return [int((pred[m] == data.y[m]).sum()) / int(m.sum()) for m in (data.train_mask, data.val_mask, data.test_mask)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden_channels", type=int, default=8)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    n = 2708
    idx = torch.randperm(n)
    masks = [torch.zeros(n, dtype=torch.bool) for _ in range(3)]
    masks[0][idx[:140]] = True; masks[1][idx[140:640]] = True; masks[2][idx[1708:]] = True
    data = Data(x=torch.randn(n, 1433), edge_index=torch.randint(0, n, (2, 10556)), y=torch.randint(0, 7, (n,)),
                train_mask=masks[0], val_mask=masks[1], test_mask=masks[2])
    model = GAT(data.num_features, args.hidden_channels, 7, args.heads)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=5e-4)
    best_val_acc = final_test_acc = 0
    for epoch in range(1, args.epochs + 1):
        loss = train(model, data, optimizer)
        train_acc, val_acc, tmp_test_acc = test(model, data)
        if val_acc > best_val_acc:
            best_val_acc, final_test_acc = val_acc, tmp_test_acc
        print(f"Epoch: {epoch:03d}, Loss: {loss:.4f}, Train: {train_acc:.4f}, Val: {best_val_acc:.4f}, Test: {final_test_acc:.4f}")
