# expect: TVL005
# style: DLRM-like CTR model (sparse embedding tables per categorical field, bottom/top MLP, dot interaction)
# bug: build_embedding_tables returns a plain dict of nn.EmbeddingBag and DLRM stores it as-is, so the embedding tables are unregistered and never trained
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "dense_dim": 13,
    "sparse_fields": {"C1": 1000, "C2": 500, "C3": 2000, "C4": 300},
    "emb_dim": 16,
    "bottom_mlp": [64, 16],
    "top_mlp": [64, 1],
}


def build_mlp(sizes, in_dim, sigmoid_last=False):
    layers = []
    for out_dim in sizes:
        layers += [nn.Linear(in_dim, out_dim), nn.ReLU()]
        in_dim = out_dim
    layers = layers[:-1]
    return nn.Sequential(*layers)


def build_embedding_tables(fields, dim):
    return {name: nn.EmbeddingBag(card, dim, mode="sum") for name, card in fields.items()}


class DLRM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.field_names = list(cfg["sparse_fields"])
        self.emb_l = build_embedding_tables(cfg["sparse_fields"], cfg["emb_dim"])
        self.bot_l = build_mlp(cfg["bottom_mlp"], cfg["dense_dim"])
        n_vec = len(self.field_names) + 1
        n_int = n_vec * (n_vec - 1) // 2
        self.top_l = build_mlp(cfg["top_mlp"], n_int + cfg["emb_dim"])

    def interact(self, x, ly):
        T = torch.stack([x] + ly, dim=1)
        Z = torch.bmm(T, T.transpose(1, 2))
        li, lj = torch.tril_indices(T.size(1), T.size(1), offset=-1)
        return torch.cat([x, Z[:, li, lj]], dim=1)

    def forward(self, dense, sparse):
        x = self.bot_l(dense)
        ly = [self.emb_l[name](sparse[:, i:i + 1]) for i, name in enumerate(self.field_names)]
        return self.top_l(self.interact(x, ly)).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mini-batch-size", type=int, default=128)
    ap.add_argument("--learning-rate", type=float, default=0.01)
    ap.add_argument("--nepochs", type=int, default=2)
    args = ap.parse_args()
    n = 10000
    dense = torch.randn(n, CONFIG["dense_dim"])
    sparse = torch.stack([torch.randint(0, c, (n,)) for c in CONFIG["sparse_fields"].values()], dim=1)
    clicks = torch.randint(0, 2, (n,)).float()
    loader = DataLoader(TensorDataset(dense, sparse, clicks), batch_size=args.mini_batch_size, shuffle=True)
    dlrm = DLRM(CONFIG)
    optimizer = torch.optim.SGD(dlrm.parameters(), lr=args.learning_rate)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(args.nepochs):
        dlrm.train()
        for j, (X, lS_i, T) in enumerate(loader):
            optimizer.zero_grad()
            loss = loss_fn(dlrm(X, lS_i), T)
            loss.backward()
            optimizer.step()
            if j % 20 == 0:
                print(f"Finished training it {j}/{len(loader)} of epoch {epoch}, loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
