# expect: TVL003
# style: PyTorch Geometric examples (GCN node classification, train()/test() functions) wrapped in a small Trainer class
# bug: Trainer.backward_step and Trainer.optimizer_step split backward() and step() across methods and nothing in the loop ever clears gradients
import argparse
import torch
import torch.nn.functional as F
from torch_geometric.data import Data
from torch_geometric.nn import GCNConv


class GCN(torch.nn.Module):
    def __init__(self, in_channels, hidden_channels, out_channels):
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden_channels, cached=True)
        self.conv2 = GCNConv(hidden_channels, out_channels, cached=True)

    def forward(self, x, edge_index):
        x = F.dropout(x, p=0.5, training=self.training)
        x = self.conv1(x, edge_index).relu()
        x = F.dropout(x, p=0.5, training=self.training)
        return self.conv2(x, edge_index)


class Trainer:
    def __init__(self, model, data, lr, weight_decay):
        self.model = model
        self.data = data
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)

    def backward_step(self):
        self.model.train()
        out = self.model(self.data.x, self.data.edge_index)
        loss = F.cross_entropy(out[self.data.train_mask], self.data.y[self.data.train_mask])
        loss.backward()
        return float(loss)

    def optimizer_step(self):
        self.optimizer.step()

    @torch.no_grad()
    def test(self):
        self.model.eval()
        pred = self.model(self.data.x, self.data.edge_index).argmax(dim=-1)
        accs = []
        for mask in [self.data.train_mask, self.data.val_mask, self.data.test_mask]:
            accs.append(int((pred[mask] == self.data.y[mask]).sum()) / int(mask.sum()))
        return accs


def synthetic_graph(n=2000, feats=64, classes=7):
    edge_index = torch.randint(0, n, (2, 10000))
    perm = torch.randperm(n)
    train_mask = torch.zeros(n, dtype=torch.bool); train_mask[perm[:140]] = True
    val_mask = torch.zeros(n, dtype=torch.bool); val_mask[perm[140:640]] = True
    test_mask = torch.zeros(n, dtype=torch.bool); test_mask[perm[640:1640]] = True
    return Data(x=torch.randn(n, feats), edge_index=edge_index, y=torch.randint(0, classes, (n,)),
                train_mask=train_mask, val_mask=val_mask, test_mask=test_mask)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden_channels", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    data = synthetic_graph()
    model = GCN(data.num_features, args.hidden_channels, 7)
    trainer = Trainer(model, data, args.lr, 5e-4)
    best_val = 0.0
    for epoch in range(1, args.epochs + 1):
        loss = trainer.backward_step()
        trainer.optimizer_step()
        train_acc, val_acc, test_acc = trainer.test()
        best_val = max(best_val, val_acc)
        print(f"Epoch: {epoch:03d}, Loss: {loss:.4f}, Train: {train_acc:.4f}, Val: {val_acc:.4f}, Test: {test_acc:.4f}")
