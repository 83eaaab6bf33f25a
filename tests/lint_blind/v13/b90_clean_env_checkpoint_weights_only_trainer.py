# expect: clean
# style: HF-Trainer-like class; model called as model(**inputs); init checkpoint path from env var loaded with weights_only=True; Named Entity linking-ish span scorer
# note: the checkpoint path comes from os.environ but torch.load uses weights_only=True, and compute_loss calls model(**inputs) rather than model.forward
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("spans")


class SpanData(Dataset):
    def __init__(self, n, L=48, vocab=20000, n_types=8, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, vocab, (n, L), generator=g)
        self.start = torch.randint(0, L - 5, (n,), generator=g)
        self.end = self.start + torch.randint(0, 5, (n,), generator=g)
        self.type = torch.randint(0, n_types, (n,), generator=g)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "start": self.start[i], "end": self.end[i], "labels": self.type[i]}


class SpanTyper(nn.Module):
    def __init__(self, vocab=20000, dim=192, n_types=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.enc = nn.LSTM(dim, dim, batch_first=True, bidirectional=True)
        self.cls = nn.Linear(4 * dim, n_types)

    def forward(self, input_ids, start, end, labels=None):
        h, _ = self.enc(self.emb(input_ids))
        b = torch.arange(h.size(0), device=h.device)
        logits = self.cls(torch.cat([h[b, start], h[b, end]], -1))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


def maybe_init_from_env(model, var="SPAN_INIT_CKPT"):
    path = os.environ.get(var)
    if path and os.path.exists(path):
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=False)
        logger.info("initialised from %s", path)
    return model


class Trainer:
    def __init__(self, model, train_ds, eval_ds, lr=1e-3, epochs=4, bs=32):
        self.model, self.train_ds, self.eval_ds = model, train_ds, eval_ds
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr)
        self.epochs, self.bs = epochs, bs

    def compute_loss(self, inputs):
        return self.model(**inputs)["loss"]

    def train(self):
        loader = DataLoader(self.train_ds, batch_size=self.bs, shuffle=True)
        for ep in range(self.epochs):
            self.model.train()
            tot = 0.0
            for inputs in loader:
                loss = self.compute_loss(inputs)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                tot += loss.item()
            logger.info("epoch %d loss %.4f eval %s", ep, tot / len(loader), self.evaluate())

    @torch.no_grad()
    def evaluate(self):
        self.model.eval()
        hit = 0
        for inputs in DataLoader(self.eval_ds, batch_size=128):
            hit += (self.model(**inputs)["logits"].argmax(-1) == inputs["labels"]).sum().item()
        self.model.train()
        return {"accuracy": hit / len(self.eval_ds)}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = maybe_init_from_env(SpanTyper())
    Trainer(model, SpanData(6000), SpanData(800, seed=1)).train()
    torch.save(model.state_dict(), os.environ.get("SPAN_OUT", "span_typer.pt"))
