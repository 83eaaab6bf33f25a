# expect: TVL015
# style: YAML-like nested config + build_dataloader(cfg, split) factory, NLI sentence-pair classification
# bug: build_dataloader takes shuffle from cfg.get("shuffle", False) and the train section of the config never sets it, so the training loader is unshuffled
import logging
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("nli")

CFG = {
    "data": {
        "train": {"n": 20000, "batch_size": 64, "num_workers": 2, "drop_last": True},
        "val": {"n": 2000, "batch_size": 256, "num_workers": 2},
    },
    "model": {"vocab": 15000, "dim": 200, "hidden": 256, "n_cls": 3},
    "optim": {"lr": 5e-4, "epochs": 6},
}


class PairDataset(Dataset):
    def __init__(self, n, vocab, seed):
        g = torch.Generator().manual_seed(seed)
        self.prem = torch.randint(1, vocab, (n, 30), generator=g)
        self.hyp = torch.randint(1, vocab, (n, 15), generator=g)
        # labels produced by the annotation pipeline in blocks: entail, neutral, contradiction
        self.y = torch.arange(n) * 3 // n

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.prem[i], self.hyp[i], self.y[i]


def build_dataloader(ds_cfg, dataset):
    return DataLoader(dataset,
                      batch_size=ds_cfg["batch_size"],
                      shuffle=ds_cfg.get("shuffle", False),
                      num_workers=ds_cfg.get("num_workers", 0),
                      drop_last=ds_cfg.get("drop_last", False))


class ESIMLite(nn.Module):
    def __init__(self, vocab, dim, hidden, n_cls):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.enc = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
        self.cls = nn.Sequential(nn.Linear(8 * hidden, hidden), nn.ReLU(), nn.Dropout(0.2), nn.Linear(hidden, n_cls))

    def encode(self, ids):
        h, _ = self.enc(self.emb(ids))
        return h

    def forward(self, p, h):
        hp, hh = self.encode(p), self.encode(h)
        att = torch.softmax(hp @ hh.transpose(1, 2), -1)
        ap = att @ hh
        m = torch.cat([hp, ap, hp - ap, hp * ap], -1)
        return self.cls(m.max(1).values)


def main(cfg=CFG):
    logging.basicConfig(level=logging.INFO)
    c = SimpleNamespace(**cfg)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    loaders = {split: build_dataloader(c.data[split], PairDataset(c.data[split]["n"], c.model["vocab"], i))
               for i, split in enumerate(("train", "val"))}
    model = ESIMLite(**c.model).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=c.optim["lr"])
    for epoch in range(c.optim["epochs"]):
        model.train()
        tot = 0.0
        for p, h, y in loaders["train"]:
            p, h, y = p.to(dev), h.to(dev), y.to(dev)
            loss = F.cross_entropy(model(p, h), y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            tot += loss.item()
        model.eval()
        hit = 0
        with torch.no_grad():
            for p, h, y in loaders["val"]:
                hit += (model(p.to(dev), h.to(dev)).argmax(-1).cpu() == y).sum().item()
        logger.info("epoch %d loss %.4f val acc %.4f", epoch, tot / len(loaders["train"]), hit / len(loaders["val"].dataset))


if __name__ == "__main__":
    main()
