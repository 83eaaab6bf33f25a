# expect: TVL015
# style: config-dict factory with a shared build_dataloader(), semantic text similarity regression (siamese encoder)
# bug: build_dataloader() takes its shuffle flag from the split's config, and the "train" entry never sets it, so the default False is used for the training loader.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

DATA_CFG = {
    "train": {"n": 6000, "batch_size": 64, "num_workers": 2, "drop_last": True},
    "val": {"n": 1000, "batch_size": 256, "num_workers": 2, "shuffle": False},
}


class PairDataset(Dataset):
    def __init__(self, n, vocab=15000, seq=32, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.a = torch.randint(1, vocab, (n, seq), generator=g)
        self.b = torch.randint(1, vocab, (n, seq), generator=g)
        self.score = torch.rand(n, generator=g) * 5.0

    def __len__(self):
        return len(self.score)

    def __getitem__(self, i):
        return self.a[i], self.b[i], self.score[i]


def build_dataloader(split, cfg):
    c = cfg[split]
    ds = PairDataset(c["n"], seed=0 if split == "train" else 1)
    return DataLoader(
        ds,
        batch_size=c["batch_size"],
        shuffle=c.get("shuffle", False),
        num_workers=c.get("num_workers", 0),
        drop_last=c.get("drop_last", False),
    )


class SiameseEncoder(nn.Module):
    def __init__(self, vocab=15000, dim=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, dim // 2, batch_first=True, bidirectional=True)

    def encode(self, ids):
        h, _ = self.lstm(self.emb(ids))
        return h.max(dim=1).values

    def forward(self, a, b):
        ea, eb = self.encode(a), self.encode(b)
        return 5.0 * (F.cosine_similarity(ea, eb, dim=-1) + 1) / 2


def pearson(x, y):
    x, y = x - x.mean(), y - y.mean()
    return (x * y).sum() / (x.norm() * y.norm() + 1e-8)


def run(epochs=6):
    train_dl = build_dataloader("train", DATA_CFG)
    val_dl = build_dataloader("val", DATA_CFG)
    model = SiameseEncoder()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    for epoch in range(epochs):
        model.train()
        for a, b, s in train_dl:
            opt.zero_grad()
            loss = F.mse_loss(model(a, b), s)
            loss.backward()
            opt.step()
        model.eval()
        preds, golds = [], []
        with torch.no_grad():
            for a, b, s in val_dl:
                preds.append(model(a, b)); golds.append(s)
        r = pearson(torch.cat(preds), torch.cat(golds)).item()
        print(f"epoch {epoch} last loss {loss.item():.4f} val pearson {r:.4f}")


if __name__ == "__main__":
    run()
