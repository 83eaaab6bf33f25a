# expect: clean
# style: standalone predict.py batch-inference script writing a per-id CSV, document classification
# note: the whole script runs under torch.inference_mode() with model.eval() and never calls train(), which looks like TVL001/TVL004, but there is no training here at all; the test loader keeps shuffle=False so ids and predictions line up, and the weights file is loaded with weights_only=True.
import argparse
import csv
import logging
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("predict")
LABELS = ["invoice", "receipt", "contract", "letter", "form", "other"]


class DocDataset(Dataset):
    def __init__(self, n=5000, L=256, vocab=30000):
        self.doc_ids = [f"doc-{i:06d}" for i in range(n)]
        self.tokens = torch.randint(1, vocab, (n, L))

    def __len__(self):
        return len(self.doc_ids)

    def __getitem__(self, i):
        return self.tokens[i], i


class DocClassifier(nn.Module):
    def __init__(self, vocab=30000, d=128):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, d, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, len(LABELS)))

    def forward(self, tokens):
        return self.mlp(self.emb(tokens))


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", default="predictions.csv")
    ap.add_argument("--bs", type=int, default=512)
    ap.add_argument("--threshold", type=float, default=0.4)
    return ap.parse_args()


@torch.inference_mode()
def run(args):
    model = DocClassifier()
    model.load_state_dict(torch.load(args.weights, map_location="cpu", weights_only=True))
    model.eval()
    ds = DocDataset()
    loader = DataLoader(ds, batch_size=args.bs, shuffle=False, num_workers=4)
    rows = []
    for tokens, idx in loader:
        probs = torch.softmax(model(tokens), dim=-1)
        conf, pred = probs.max(-1)
        for i, c, p in zip(idx.tolist(), conf.tolist(), pred.tolist()):
            label = LABELS[p] if c >= args.threshold else "needs_review"
            rows.append((ds.doc_ids[i], label, round(c, 4)))
    return rows


def main():
    args = parse()
    logging.basicConfig(level=logging.INFO)
    rows = run(args)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["doc_id", "label", "confidence"])
        w.writerows(rows)
    log.info("wrote %d predictions (%d need review)", len(rows), sum(r[1] == "needs_review" for r in rows))


if __name__ == "__main__":
    main()
