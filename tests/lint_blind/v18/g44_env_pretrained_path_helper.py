# expect: TVL014
# style: fine-tuning script for a sentence-pair model, pretrained weights located via an environment variable in a helper
# bug: load_pretrained() reads the checkpoint path from the PRETRAINED_CKPT environment variable and calls torch.load() on it without weights_only=True.
import logging
import os
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("nli")
VOCAB, DIM, MAXLEN = 4000, 128, 40
LABELS = ["entailment", "neutral", "contradiction"]


class PairEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, DIM, padding_idx=0)
        self.lstm = nn.LSTM(DIM, DIM, batch_first=True, bidirectional=True)

    def encode(self, ids):
        h, _ = self.lstm(self.emb(ids))
        mask = (ids != 0).unsqueeze(-1)
        return (h * mask).sum(1) / mask.sum(1).clamp(min=1)

    def forward(self, a, b):
        u, v = self.encode(a), self.encode(b)
        return torch.cat([u, v, (u - v).abs(), u * v], -1)


class NLIModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = PairEncoder()
        self.classifier = nn.Sequential(nn.Linear(8 * DIM, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, 3))

    def forward(self, a, b):
        return self.classifier(self.encoder(a, b))


def load_pretrained(model):
    ckpt_path = os.environ.get("PRETRAINED_CKPT")
    if not ckpt_path:
        logger.warning("PRETRAINED_CKPT not set; training encoder from scratch")
        return model
    state = torch.load(ckpt_path, map_location="cpu")
    if "model" in state:
        state = state["model"]
    enc_state = {k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")}
    missing, unexpected = model.encoder.load_state_dict(enc_state, strict=False)
    logger.info("loaded encoder from %s (missing=%d unexpected=%d)", ckpt_path, len(missing), len(unexpected))
    return model


class PairData(Dataset):
    def __init__(self, n, seed):
        r = random.Random(seed)
        self.rows = []
        for _ in range(n):
            a = [r.randint(1, VOCAB - 1) for _ in range(r.randint(5, MAXLEN))]
            lab = r.randrange(3)
            if lab == 0:
                b = a[: max(3, len(a) // 2)]
            elif lab == 1:
                b = a[:3] + [r.randint(1, VOCAB - 1) for _ in range(r.randint(3, 20))]
            else:
                b = [r.randint(1, VOCAB - 1) for _ in range(r.randint(5, MAXLEN))]
            self.rows.append((a, b, lab))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(batch):
    def pad(seqs):
        L = max(len(s) for s in seqs)
        return torch.tensor([s + [0] * (L - len(s)) for s in seqs])
    a, b, y = zip(*batch)
    return pad(a), pad(b), torch.tensor(y)


def main():
    logging.basicConfig(level=logging.INFO)
    epochs = int(os.environ.get("EPOCHS", 4))
    train_dl = DataLoader(PairData(10000, 0), batch_size=64, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(PairData(1000, 1), batch_size=256, collate_fn=collate)
    model = load_pretrained(NLIModel())
    opt = torch.optim.Adam(model.parameters(), lr=float(os.environ.get("LR", 1e-3)))

    for epoch in range(epochs):
        model.train()
        total = 0.0
        for a, b, y in train_dl:
            loss = F.cross_entropy(model(a, b), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for a, b, y in dev_dl:
                correct += (model(a, b).argmax(-1) == y).sum().item()
        logger.info("epoch %d loss %.4f dev_acc %.4f", epoch, total / len(train_dl), correct / len(dev_dl.dataset))
    torch.save({"model": model.state_dict()}, "nli_model.pt")


if __name__ == "__main__":
    main()
