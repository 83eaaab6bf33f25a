# expect: TVL017
# style: research evaluation script for a text-matching model, per-example error analysis against dataset rows
# bug: build_eval_loader() shuffles the dev set; run_eval() concatenates predictions in loader order and compares them to dev_ds.labels / dev_ds.rows in the dataset's own order (accuracy, confusion matrix and the error dump are all mispaired)
import argparse
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class QQPDev(Dataset):
    def __init__(self, n, vocab=10000, max_len=40, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.q1 = torch.randint(1, vocab, (n, max_len), generator=g)
        self.q2 = torch.randint(1, vocab, (n, max_len), generator=g)
        self.labels = torch.randint(0, 2, (n,), generator=g)
        self.rows = [{"qid1": 2 * i, "qid2": 2 * i + 1} for i in range(n)]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.q1[i], self.q2[i]


class BiEncoder(nn.Module):
    def __init__(self, vocab=10000, d=200):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.lstm = nn.LSTM(d, d, batch_first=True, bidirectional=True)
        self.cls = nn.Sequential(nn.Linear(8 * d, 256), nn.ReLU(), nn.Linear(256, 2))

    def encode(self, ids):
        h, _ = self.lstm(self.emb(ids))
        return h.max(dim=1).values

    def forward(self, a, b):
        u, v = self.encode(a), self.encode(b)
        return self.cls(torch.cat([u, v, (u - v).abs(), u * v], dim=-1))


def build_eval_loader(ds, batch_size):
    return DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=2)


@torch.no_grad()
def run_eval(model, loader, device):
    model.eval()
    preds, confs = [], []
    for q1, q2 in loader:
        p = F.softmax(model(q1.to(device), q2.to(device)), dim=-1).cpu()
        confs.append(p.max(-1).values)
        preds.append(p.argmax(-1))
    return torch.cat(preds), torch.cat(confs)


def report(preds, confs, ds, dump_path):
    labels = ds.labels
    acc = (preds == labels).float().mean().item()
    cm = torch.zeros(2, 2, dtype=torch.long)
    for t, p in zip(labels.tolist(), preds.tolist()):
        cm[t, p] += 1
    errors = [dict(ds.rows[i], gold=int(labels[i]), pred=int(preds[i]), conf=round(float(confs[i]), 4))
              for i in range(len(ds)) if preds[i] != labels[i]]
    errors.sort(key=lambda e: -e["conf"])
    with open(dump_path, "w") as f:
        for e in errors[:500]:
            f.write(json.dumps(e) + "\n")
    return acc, cm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="bienc_qqp.pt")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--errors", default="dev_errors.jsonl")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    dev_ds = QQPDev(10000)
    loader = build_eval_loader(dev_ds, args.batch_size)
    model = BiEncoder().to(device)
    try:
        model.load_state_dict(torch.load(args.checkpoint, map_location=device, weights_only=True))
    except FileNotFoundError:
        print("checkpoint not found; evaluating random init")
    preds, confs = run_eval(model, loader, device)
    acc, cm = report(preds, confs, dev_ds, args.errors)
    print(f"dev accuracy {acc:.4f}")
    print("confusion matrix (rows=gold):\n", cm)


if __name__ == "__main__":
    main()
