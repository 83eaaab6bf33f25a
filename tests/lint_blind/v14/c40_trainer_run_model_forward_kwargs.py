# expect: TVL013
# style: HF-Trainer-like class with a _run_model helper and a model that relies on a forward pre-hook, token classification (NER)
# bug: Trainer._run_model calls self.model.forward(**inputs) instead of self.model(**inputs), so the registered forward pre-hook that applies word dropout never runs in training
import logging
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


@dataclass
class TrainingArguments:
    output_dir: str = "ner_out"
    num_train_epochs: int = 5
    per_device_train_batch_size: int = 32
    learning_rate: float = 1e-3
    word_dropout: float = 0.1
    logging_steps: int = 50
    label_names: list = field(default_factory=lambda: ["labels"])


class NERDataset(Dataset):
    def __init__(self, n, vocab=8000, max_len=40, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(2, vocab, (n, max_len), generator=g)
        self.labels = (self.ids % len(TAGS)).long()
        lens = torch.randint(5, max_len, (n,), generator=g)
        pad = torch.arange(max_len)[None] >= lens[:, None]
        self.ids[pad] = 0
        self.labels[pad] = -100

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.labels[i]}


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab, n_tags, dim=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, dim, batch_first=True, bidirectional=True)
        self.cls = nn.Linear(2 * dim, n_tags)

    def forward(self, input_ids, labels=None):
        h, _ = self.lstm(self.emb(input_ids))
        logits = self.cls(h)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100)
        return {"loss": loss, "logits": logits}


def add_word_dropout(model, p, unk_id=1):
    def pre_hook(module, args, kwargs):
        if module.training and p > 0:
            ids = kwargs["input_ids"]
            drop = (torch.rand(ids.shape, device=ids.device) < p) & (ids > 1)
            kwargs["input_ids"] = ids.masked_fill(drop, unk_id)
        return args, kwargs
    return model.register_forward_pre_hook(pre_hook, with_kwargs=True)


class Trainer:
    def __init__(self, model, args: TrainingArguments, train_dataset, eval_dataset):
        self.model, self.args = model, args
        self.train_dataset, self.eval_dataset = train_dataset, eval_dataset
        self.optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
        self.state = {"global_step": 0}

    def get_train_dataloader(self):
        return DataLoader(self.train_dataset, batch_size=self.args.per_device_train_batch_size, shuffle=True)

    def _run_model(self, inputs):
        return self.model.forward(**inputs)

    def training_step(self, inputs):
        self.model.train()
        loss = self._run_model(inputs)["loss"]
        loss.backward()
        return loss.detach()

    def evaluate(self):
        self.model.eval()
        correct = total = 0
        with torch.no_grad():
            for batch in DataLoader(self.eval_dataset, batch_size=128):
                pred = self.model(**batch)["logits"].argmax(-1)
                m = batch["labels"] != -100
                correct += (pred[m] == batch["labels"][m]).sum().item()
                total += m.sum().item()
        self.model.train()
        return {"eval_token_acc": correct / max(total, 1)}

    def train(self):
        for epoch in range(self.args.num_train_epochs):
            for inputs in self.get_train_dataloader():
                self.optimizer.zero_grad()
                loss = self.training_step(inputs)
                self.optimizer.step()
                self.state["global_step"] += 1
                if self.state["global_step"] % self.args.logging_steps == 0:
                    logger.info({"loss": round(loss.item(), 4), "step": self.state["global_step"]})
            logger.info("epoch %d %s", epoch, self.evaluate())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    args = TrainingArguments()
    model = BiLSTMTagger(8000, len(TAGS))
    add_word_dropout(model, args.word_dropout)
    Trainer(model, args, NERDataset(5000), NERDataset(500, seed=1)).train()
