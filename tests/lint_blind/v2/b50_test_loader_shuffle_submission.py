# expect: TVL017
# style: Kaggle NLP kernel with make_test_loader() and inference() helpers writing submission.csv by row order
# bug: make_test_loader() sets shuffle=True, while inference() pairs the predictions with test ids in their original order
import argparse
import csv

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TextCNN(nn.Module):
    def __init__(self, vocab=30000, d=128, n_cls=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.convs = nn.ModuleList([nn.Conv1d(d, 64, k) for k in (3, 4, 5)])
        self.fc = nn.Linear(3 * 64, n_cls)

    def forward(self, ids):
        e = self.emb(ids).transpose(1, 2)
        return self.fc(torch.cat([F.relu(c(e)).max(-1)[0] for c in self.convs], dim=1))


def make_train_loader(ids, labels, bs):
    return DataLoader(TensorDataset(ids, labels), batch_size=bs, shuffle=True)


def make_test_loader(ids, bs):
    return DataLoader(TensorDataset(ids), batch_size=bs, shuffle=True)


def inference(model, loader, test_row_ids, out_path="submission.csv"):
    model.eval()
    preds = []
    with torch.no_grad():
        for (ids,) in loader:
            preds.extend(model(ids).argmax(-1).tolist())
    with open(out_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "label"])
        for rid, p in zip(test_row_ids, preds):
            w.writerow([rid, p])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    train_ids, train_y = torch.randint(0, 30000, (2000, 80)), torch.randint(0, 3, (2000,))
    test_ids = torch.randint(0, 30000, (500, 80))
    test_row_ids = [f"test_{i:05d}" for i in range(500)]
    model = TextCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_loader = make_train_loader(train_ids, train_y, args.bs)
    for epoch in range(args.epochs):
        model.train()
        for ids, y in train_loader:
            loss = F.cross_entropy(model(ids), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    inference(model, make_test_loader(test_ids, args.bs), test_row_ids)


if __name__ == "__main__":
    main()
