# expect: TVL008
# style: config-driven head builder for sentiment classification (NLP), research repo
# bug: build_head appends nn.Softmax when cfg["output_activation"] is "softmax" (meant for serving), and the training loss is CrossEntropyLoss on those probabilities.
import argparse
import json
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("sent")

DEFAULT_CFG = {
    "vocab_size": 25000,
    "embed_dim": 200,
    "hidden": 256,
    "num_classes": 5,
    "dropout": 0.3,
    "output_activation": "softmax",
}


def build_head(cfg):
    layers = [nn.Dropout(cfg["dropout"]), nn.Linear(2 * cfg["hidden"], cfg["num_classes"])]
    act = cfg.get("output_activation")
    if act == "softmax":
        layers.append(nn.Softmax(dim=-1))
    elif act == "log_softmax":
        layers.append(nn.LogSoftmax(dim=-1))
    return nn.Sequential(*layers)


class SentimentGRU(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed = nn.Embedding(cfg["vocab_size"], cfg["embed_dim"], padding_idx=0)
        self.gru = nn.GRU(cfg["embed_dim"], cfg["hidden"], batch_first=True, bidirectional=True)
        self.head = build_head(cfg)

    def forward(self, ids, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        return self.head(torch.cat([h[-2], h[-1]], dim=-1))


def load_cfg(path):
    cfg = dict(DEFAULT_CFG)
    if path:
        with open(path) as f:
            cfg.update(json.load(f))
    return cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=None)
    ap.add_argument("--epochs", type=int, default=6)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    cfg = load_cfg(args.config)

    ids = torch.randint(1, cfg["vocab_size"], (5000, 80))
    lengths = torch.randint(10, 81, (5000,))
    for i, L in enumerate(lengths):
        ids[i, L:] = 0
    labels = torch.randint(0, cfg["num_classes"], (5000,))
    dl = DataLoader(TensorDataset(ids, lengths, labels), batch_size=64, shuffle=True)

    model = SentimentGRU(cfg)
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        total, correct, n = 0.0, 0, 0
        for x, L, y in dl:
            opt.zero_grad()
            out = model(x, L)
            loss = criterion(out, y)
            loss.backward()
            opt.step()
            total += loss.item() * y.size(0)
            correct += (out.argmax(-1) == y).sum().item()
            n += y.size(0)
        log.info("epoch %d loss %.4f acc %.4f", epoch, total / n, correct / n)
    torch.save(model.state_dict(), "sentiment_gru.pt")


if __name__ == "__main__":
    main()
