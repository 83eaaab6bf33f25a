# expect: clean
# style: BERT-like fine-tuning with gradual unfreezing; optimizer over filter(lambda p: p.requires_grad, ...), rebuilt when layers are unfrozen
# note: the optimizer covers only part of the model, but everything outside it has requires_grad=False; when a layer is unfrozen, the optimizer is rebuilt over the new set of trainable parameters
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("ulmfit")


class Encoder(nn.Module):
    def __init__(self, vocab=20000, d=256, n_layers=6):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(d, 4, 4 * d, 0.1, batch_first=True)
                                     for _ in range(n_layers)])

    def forward(self, ids):
        h = self.emb(ids)
        pad = ids == 0
        for layer in self.layers:
            h = layer(h, src_key_padding_mask=pad)
        return h[:, 0]


class Classifier(nn.Module):
    def __init__(self, n_classes=6):
        super().__init__()
        self.encoder = Encoder()
        self.head = nn.Sequential(nn.Dropout(0.1), nn.Linear(256, n_classes))

    def set_trainable(self, n_top_layers):
        for p in self.encoder.parameters():
            p.requires_grad = False
        for layer in list(self.encoder.layers)[len(self.encoder.layers) - n_top_layers:]:
            for p in layer.parameters():
                p.requires_grad = True
        for p in self.head.parameters():
            p.requires_grad = True

    def forward(self, ids):
        return self.head(self.encoder(ids))


def make_optimizer(model, lr):
    params = filter(lambda p: p.requires_grad, model.parameters())
    return torch.optim.AdamW(params, lr=lr, weight_decay=0.01)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    ids = torch.randint(1, 20000, (6000, 64))
    ids[:, 50:] = 0
    y = torch.randint(0, 6, (6000,))
    train_dl = DataLoader(TensorDataset(ids[:5000], y[:5000]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(ids[5000:], y[5000:]), batch_size=128)

    model = Classifier()
    for epoch in range(args.epochs):
        n_top = min(epoch, len(model.encoder.layers))
        model.set_trainable(n_top)
        opt = make_optimizer(model, args.lr)
        n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        logger.info("epoch %d: top %d encoder layers trainable (%d params)", epoch, n_top, n_trainable)
        model.train()
        tot = 0.0
        for x, t in train_dl:
            loss = F.cross_entropy(model(x), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(-1) == t).sum().item() for x, t in val_dl) / 1000
        logger.info("epoch %d loss %.4f val acc %.4f", epoch, tot / len(train_dl), acc)
    torch.save(model.state_dict(), "gradual_unfreeze.pt")


if __name__ == "__main__":
    main()
