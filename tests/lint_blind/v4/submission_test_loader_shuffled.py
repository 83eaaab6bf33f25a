# expect: TVL017
# style: Kaggle NLP competition pipeline (train/predict split into functions, submission.csv by row order)
# bug: build_loaders() creates the test loader with shuffle=True, and predict() writes the predictions next to test_df["id"] in the dataframe's order
import argparse

import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class TextDataset(Dataset):
    def __init__(self, df, max_len=64, with_target=True):
        self.ids = torch.tensor([[hash(w) % 20000 for w in t.split()][:max_len] + [0] * (max_len - min(len(t.split()), max_len))
                                 for t in df["text"]])
        self.y = torch.tensor(df["target"].values) if with_target else None

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return (self.ids[i], self.y[i]) if self.y is not None else self.ids[i]


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab=20000, dim=100, n_cls=2):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean", padding_idx=0)
        self.fc = nn.Linear(dim, n_cls)

    def forward(self, ids):
        return self.fc(self.emb(ids))


def build_loaders(train_df, test_df, bs):
    train_dl = DataLoader(TextDataset(train_df), batch_size=bs, shuffle=True)
    test_dl = DataLoader(TextDataset(test_df, with_target=False), batch_size=bs, shuffle=True)
    return train_dl, test_dl


def train(model, loader, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(epochs):
        model.train()
        for ids, y in loader:
            loss = F.cross_entropy(model(ids), y)
            opt.zero_grad()
            loss.backward()
            opt.step()


@torch.no_grad()
def predict(model, loader, test_df):
    model.eval()
    probs = torch.cat([model(ids).softmax(-1)[:, 1] for ids in loader])
    return pd.DataFrame({"id": test_df["id"], "target": (probs > 0.5).long().numpy()})


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    train_df = pd.DataFrame({"text": ["fire in the forest"] * 500 + ["lovely day"] * 500, "target": [1] * 500 + [0] * 500})
    test_df = pd.DataFrame({"id": range(300), "text": ["forest fire near town", "sunny morning"] * 150})
    train_dl, test_dl = build_loaders(train_df, test_df, 64)
    model = BagOfEmbeddings()
    train(model, train_dl, args.epochs)
    predict(model, test_dl, test_df).to_csv("submission.csv", index=False)
