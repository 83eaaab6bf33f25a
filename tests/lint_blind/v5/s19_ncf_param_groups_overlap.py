# expect: TVL006
# style: Neural Collaborative Filtering (NeuMF) training script with per-module learning rates
# bug: the first param group is model.parameters() (everything) and the second repeats model.predict_layer, so the optimizer's groups overlap
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Interactions(Dataset):
    def __init__(self, n_users, n_items, n):
        self.u = torch.randint(0, n_users, (n,))
        self.i = torch.randint(0, n_items, (n,))
        self.y = ((self.u + self.i) % 7 == 0).float()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, k):
        return self.u[k], self.i[k], self.y[k]


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, factors=32, mlp_layers=(128, 64, 32)):
        super().__init__()
        self.gmf_user = nn.Embedding(n_users, factors)
        self.gmf_item = nn.Embedding(n_items, factors)
        self.mlp_user = nn.Embedding(n_users, mlp_layers[0] // 2)
        self.mlp_item = nn.Embedding(n_items, mlp_layers[0] // 2)
        mlp = []
        for a, b in zip(mlp_layers[:-1], mlp_layers[1:]):
            mlp += [nn.Dropout(0.1), nn.Linear(a, b), nn.ReLU()]
        self.mlp = nn.Sequential(*mlp)
        self.predict_layer = nn.Linear(factors + mlp_layers[-1], 1)

    def forward(self, u, i):
        gmf = self.gmf_user(u) * self.gmf_item(i)
        mlp = self.mlp(torch.cat([self.mlp_user(u), self.mlp_item(i)], dim=-1))
        return self.predict_layer(torch.cat([gmf, mlp], dim=-1)).view(-1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch_size", type=int, default=256)
    args = parser.parse_args()

    model = NeuMF(6040, 3706)
    optimizer = torch.optim.Adam([
        {"params": model.parameters()},
        {"params": model.predict_layer.parameters(), "lr": args.lr * 0.1},
    ], lr=args.lr)
    loss_function = nn.BCEWithLogitsLoss()
    train_loader = DataLoader(Interactions(6040, 3706, 200000), batch_size=args.batch_size,
                              shuffle=True, num_workers=4)

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for user, item, label in train_loader:
            model.zero_grad()
            prediction = model(user, item)
            loss = loss_function(prediction, label)
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch:03d} loss {total / len(train_loader):.4f}")
