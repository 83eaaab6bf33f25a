# expect: clean
# style: ULMFiT-style discriminative fine-tuning of an AWD-LSTM-like classifier; param groups built per layer
# note: several param groups with different learning rates built from named sub-modules (TVL006 look-alike), but the groups are disjoint, and a coverage check confirms every requires_grad parameter is in exactly one group
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ulmfit")


class LSTMClassifier(nn.Module):
    def __init__(self, vocab=20000, emb=300, hidden=512, n_cls=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.rnn0 = nn.LSTM(emb, hidden, batch_first=True)
        self.rnn1 = nn.LSTM(hidden, hidden, batch_first=True)
        self.rnn2 = nn.LSTM(hidden, emb, batch_first=True)
        self.head = nn.Sequential(nn.BatchNorm1d(2 * emb), nn.Dropout(0.2), nn.Linear(2 * emb, 50), nn.ReLU(),
                                  nn.BatchNorm1d(50), nn.Dropout(0.1), nn.Linear(50, n_cls))

    def forward(self, x):
        h = self.embedding(x)
        h, _ = self.rnn0(h)
        h, _ = self.rnn1(h)
        h, _ = self.rnn2(h)
        return self.head(torch.cat([h.mean(1), h.max(1).values], 1))


def layer_groups(model):
    return [model.embedding, model.rnn0, model.rnn1, model.rnn2, model.head]


def discriminative_param_groups(model, base_lr, decay=2.6):
    groups = []
    layers = layer_groups(model)
    for depth, layer in enumerate(reversed(layers)):
        params = [p for p in layer.parameters() if p.requires_grad]
        if params:
            groups.append({"params": params, "lr": base_lr / (decay ** depth), "name": type(layer).__name__})
    seen = [id(p) for g in groups for p in g["params"]]
    assert len(seen) == len(set(seen)), "overlapping param groups"
    assert set(seen) == {id(p) for p in model.parameters() if p.requires_grad}, "uncovered parameters"
    return groups


def set_frozen(model, n_trainable_groups):
    layers = layer_groups(model)
    for i, layer in enumerate(layers):
        layer.requires_grad_(i >= len(layers) - n_trainable_groups)


def run_stage(model, train_dl, val_dl, n_groups, epochs, lr):
    set_frozen(model, n_groups)
    opt = torch.optim.Adam(discriminative_param_groups(model, lr), betas=(0.8, 0.99))
    total = epochs * len(train_dl)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g["lr"] for g in opt.param_groups], total_steps=total)
    for epoch in range(epochs):
        model.train()
        losses = []
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 0.1 * 10)
            opt.step()
            sched.step()
            losses.append(loss.item())
        model.eval()
        correct = n = 0
        with torch.no_grad():
            for x, y in val_dl:
                correct += (model(x).argmax(1) == y).sum().item()
                n += y.numel()
        log.info("stage(%d groups) epoch %d loss %.4f val acc %.4f", n_groups, epoch, np.mean(losses), correct / n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    x = torch.randint(1, 20000, (12000, 60))
    y = (x[:, 0] % 4)
    train_dl = DataLoader(TensorDataset(x[:10000], y[:10000]), batch_size=64, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(x[10000:], y[10000:]), batch_size=256)
    model = LSTMClassifier()
    # gradual unfreezing: head only, then last two layers, then everything
    run_stage(model, train_dl, val_dl, n_groups=1, epochs=1, lr=args.lr)
    run_stage(model, train_dl, val_dl, n_groups=2, epochs=1, lr=args.lr / 2)
    run_stage(model, train_dl, val_dl, n_groups=5, epochs=2, lr=args.lr / 5)
    torch.save(model.state_dict(), "ulmfit_clf.pt")


if __name__ == "__main__":
    main()
