# expect: TVL017
# style: research repo inference module: build_loader() factory + predict() + write_predictions() joining with dataset ids (NLP question classification)
# bug: build_loader() is called for the "test" split with shuffle=cfg["shuffle"] (True, meant for training), and write_predictions() zips the loader-ordered predictions with test_ds.qids in the dataset's original order.
import argparse
import csv
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("qcls")
CFG = {"batch_size": 64, "shuffle": True, "epochs": 5, "lr": 1e-3, "vocab": 3000, "classes": 6}


class Questions(Dataset):
    def __init__(self, n, seed, prefix):
        r = random.Random(seed)
        self.qids, self.toks, self.labels = [], [], []
        for i in range(n):
            y = r.randrange(CFG["classes"])
            L = r.randint(4, 24)
            toks = [y * 400 + r.randint(1, 399) if r.random() < 0.4 else r.randint(1, CFG["vocab"] - 1)
                    for _ in range(L)]
            self.qids.append(f"{prefix}-{i:06d}")
            self.toks.append(toks)
            self.labels.append(y)

    def __len__(self):
        return len(self.toks)

    def __getitem__(self, i):
        return self.toks[i], self.labels[i]


def collate(batch):
    L = max(len(t) for t, _ in batch)
    ids = torch.zeros(len(batch), L, dtype=torch.long)
    for i, (t, _) in enumerate(batch):
        ids[i, :len(t)] = torch.tensor(t)
    return ids, torch.tensor([y for _, y in batch])


def build_loader(ds, cfg):
    return DataLoader(ds, batch_size=cfg["batch_size"], shuffle=cfg["shuffle"], collate_fn=collate)


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab, classes, dim=128):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean", padding_idx=0)
        self.fc = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, classes))

    def forward(self, ids):
        return self.fc(self.emb(ids))


def train(model, loader, cfg):
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for ids, y in loader:
            loss = F.cross_entropy(model(ids), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f", epoch, tot / len(loader))


@torch.no_grad()
def predict(model, loader):
    model.eval()
    return torch.cat([model(ids).argmax(-1) for ids, _ in loader]).tolist()


def write_predictions(path, ds, preds):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["qid", "label"])
        for qid, p in zip(ds.qids, preds):
            w.writerow([qid, p])
    log.info("wrote %d predictions to %s", len(preds), path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test_predictions.csv")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_ds, test_ds = Questions(8000, 0, "tr"), Questions(1000, 1, "te")
    model = BagOfEmbeddings(CFG["vocab"], CFG["classes"])
    train(model, build_loader(train_ds, CFG), CFG)
    preds = predict(model, build_loader(test_ds, CFG))
    write_predictions(args.out, test_ds, preds)


if __name__ == "__main__":
    main()
