# expect: TVL007
# style: DLRM-like click-through-rate model (dense MLP + sparse embeddings + dot interaction), Criteo-style script
# bug: scheduler.step() is called before optimizer.step() in the batch loop, so the first OneCycleLR value is skipped and the schedule runs one step ahead
import argparse
import time
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class DLRM(nn.Module):
    def __init__(self, n_dense, cardinalities, emb_dim=16):
        super().__init__()
        self.bottom = nn.Sequential(nn.Linear(n_dense, 64), nn.ReLU(), nn.Linear(64, emb_dim), nn.ReLU())
        self.embs = nn.ModuleList(nn.EmbeddingBag(c, emb_dim, mode="sum") for c in cardinalities)
        n_feat = len(cardinalities) + 1
        n_inter = n_feat * (n_feat - 1) // 2
        self.top = nn.Sequential(nn.Linear(n_inter + emb_dim, 128), nn.ReLU(), nn.Linear(128, 1))

    def forward(self, dense, sparse):
        x = self.bottom(dense)
        feats = [x] + [emb(sparse[:, k:k + 1]) for k, emb in enumerate(self.embs)]
        T = torch.stack(feats, dim=1)
        Z = torch.bmm(T, T.transpose(1, 2))
        li, lj = torch.tril_indices(T.size(1), T.size(1), offset=-1)
        return self.top(torch.cat([x, Z[:, li, lj]], dim=1)).squeeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mini-batch-size", type=int, default=128)
    ap.add_argument("--learning-rate", type=float, default=0.1)
    ap.add_argument("--nepochs", type=int, default=3)
    ap.add_argument("--print-freq", type=int, default=200)
    args = ap.parse_args()

    cards = [1000, 500, 200, 50, 10]
    n = 50000
    dense = torch.randn(n, 13)
    sparse = torch.stack([torch.randint(0, c, (n,)) for c in cards], dim=1)
    clicks = torch.bernoulli(torch.full((n,), 0.25))
    train_ld = DataLoader(TensorDataset(dense, sparse, clicks), batch_size=args.mini_batch_size, shuffle=True)

    dlrm = DLRM(13, cards)
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(dlrm.parameters(), lr=args.learning_rate)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.learning_rate,
                                                    epochs=args.nepochs, steps_per_epoch=len(train_ld))
    it = 0
    t0 = time.time()
    for k in range(args.nepochs):
        dlrm.train()
        for X, lS_i, T in train_ld:
            Z = dlrm(X, lS_i)
            E = loss_fn(Z, T)
            optimizer.zero_grad()
            E.backward()
            scheduler.step()
            optimizer.step()
            it += 1
            if it % args.print_freq == 0:
                print(f"Finished training it {it} of epoch {k}, {(time.time() - t0) * 1000 / it:.2f} ms/it, "
                      f"loss {E.item():.6f}, lr {scheduler.get_last_lr()[0]:.5f}")


if __name__ == "__main__":
    main()
