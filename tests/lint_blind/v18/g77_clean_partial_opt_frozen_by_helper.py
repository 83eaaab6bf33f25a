# expect: clean
# style: staged fine-tuning of a text encoder (gradual unfreezing) with a set_trainable() helper and config stages
# note: the optimizer is rebuilt over only some sub-modules at each stage, which looks like TVL006, but set_trainable() freezes (requires_grad=False) every parameter that is not in the optimizer for that stage.
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("ulmfit")
STAGES = [
    {"name": "head", "modules": ["classifier"], "lr": 1e-2, "epochs": 2},
    {"name": "top", "modules": ["classifier", "rnn2"], "lr": 3e-3, "epochs": 2},
    {"name": "all", "modules": ["classifier", "rnn2", "rnn1", "emb"], "lr": 1e-3, "epochs": 3},
]


class Reviews(Dataset):
    def __init__(self, n, seed, vocab=4000):
        r = random.Random(seed)
        self.items = []
        for _ in range(n):
            y = r.randrange(2)
            toks = [r.randrange(1, 2000) if (r.random() < 0.6) == (y == 0) else r.randrange(2000, vocab)
                    for _ in range(r.randint(10, 60))]
            self.items.append((toks, y))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    L = max(len(t) for t, _ in batch)
    ids = torch.zeros(len(batch), L, dtype=torch.long)
    for i, (t, _) in enumerate(batch):
        ids[i, :len(t)] = torch.tensor(t)
    return ids, torch.tensor([y for _, y in batch])


class AWDClassifier(nn.Module):
    def __init__(self, vocab=4000, emb=200, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.rnn1 = nn.LSTM(emb, hidden, batch_first=True)
        self.rnn2 = nn.LSTM(hidden, hidden, batch_first=True)
        self.classifier = nn.Sequential(nn.Dropout(0.3), nn.Linear(2 * hidden, 2))

    def forward(self, ids):
        h, _ = self.rnn1(self.emb(ids))
        h, _ = self.rnn2(h)
        return self.classifier(torch.cat([h.max(1).values, h.mean(1)], -1))


def set_trainable(model, module_names):
    for name, child in model.named_children():
        flag = name in module_names
        for p in child.parameters():
            p.requires_grad_(flag)
    return [p for p in model.parameters() if p.requires_grad]


def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x).argmax(-1) == y).sum().item() for x, y in loader)
    model.train()
    return correct / len(loader.dataset)


def main():
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(Reviews(6000, 0), batch_size=48, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(Reviews(800, 1), batch_size=128, collate_fn=collate)
    model = AWDClassifier()
    for stage in STAGES:
        params = set_trainable(model, stage["modules"])
        opt = torch.optim.AdamW(params, lr=stage["lr"], weight_decay=0.01)
        log.info("stage %s: %d trainable tensors", stage["name"], len(params))
        for epoch in range(stage["epochs"]):
            model.train()
            tot = 0.0
            for x, y in train_dl:
                loss = F.cross_entropy(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                tot += loss.item()
            log.info("stage %s epoch %d loss %.4f val_acc %.4f", stage["name"], epoch, tot / len(train_dl),
                     evaluate(model, val_dl))
    torch.save(model.state_dict(), "awd_cls.pt")


if __name__ == "__main__":
    main()
