# expect: TVL013
# style: accelerate-like Trainer class with compute_loss override, extractive QA span prediction
# bug: QATrainer.compute_loss calls self.model.forward(**inputs) instead of self.model(**inputs), skipping hooks (e.g. the gradient-checkpointing / profiling hooks a wrapper registers).
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


class SquadLike(Dataset):
    def __init__(self, n=3000, L=192, vocab=20000):
        self.ids = torch.randint(1, vocab, (n, L))
        self.start = torch.randint(20, L - 30, (n,))
        self.end = self.start + torch.randint(0, 20, (n,))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "start_positions": self.start[i], "end_positions": self.end[i]}


class SpanModel(nn.Module):
    def __init__(self, vocab=20000, d=256, layers=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(512, d)
        enc = nn.TransformerEncoderLayer(d, 8, 4 * d, 0.1, batch_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(enc, layers)
        self.qa_outputs = nn.Linear(d, 2)

    def forward(self, input_ids, start_positions=None, end_positions=None):
        h = self.emb(input_ids) + self.pos(torch.arange(input_ids.size(1), device=input_ids.device))
        logits = self.qa_outputs(self.encoder(h))
        start_logits, end_logits = logits.unbind(-1)
        out = {"start_logits": start_logits, "end_logits": end_logits}
        if start_positions is not None:
            out["loss"] = (F.cross_entropy(start_logits, start_positions) + F.cross_entropy(end_logits, end_positions)) / 2
        return out


class BaseTrainer:
    def __init__(self, model, train_dataset, lr=3e-5, batch_size=16, epochs=2, warmup_ratio=0.1):
        self.model = model
        self.loader = DataLoader(train_dataset, batch_size=batch_size, shuffle=True, drop_last=True)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        total = epochs * len(self.loader)
        warm = int(warmup_ratio * total)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda s: s / max(1, warm) if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / (total - warm))))
        self.epochs = epochs

    def compute_loss(self, inputs):
        return self.model(**inputs)["loss"]

    def train(self):
        self.model.train()
        step = 0
        for epoch in range(self.epochs):
            for inputs in self.loader:
                loss = self.compute_loss(inputs)
                loss.backward()
                nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.scheduler.step()
                self.optimizer.zero_grad()
                step += 1
                if step % 50 == 0:
                    logger.info("epoch %d step %d loss %.4f", epoch, step, loss.item())


class QATrainer(BaseTrainer):
    def compute_loss(self, inputs):
        outputs = self.model.forward(**inputs)
        # span-length penalty keeps predicted answers short
        s, e = outputs["start_logits"].softmax(-1), outputs["end_logits"].softmax(-1)
        pos = torch.arange(s.size(1), device=s.device, dtype=s.dtype)
        expected_len = ((e * pos).sum(-1) - (s * pos).sum(-1)).clamp(min=0)
        return outputs["loss"] + 1e-3 * expected_len.mean()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    QATrainer(SpanModel(), SquadLike()).train()
