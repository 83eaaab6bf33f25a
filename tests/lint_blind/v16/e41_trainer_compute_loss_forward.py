# expect: TVL013
# style: HF-like Trainer subclass overriding compute_loss for a weighted-loss POS tagger, forward hook collecting logit stats
# bug: compute_loss calls model.forward(**inputs) instead of model(**inputs), bypassing __call__ and the forward hook that records logit statistics for logging
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


@dataclass
class Args:
    epochs: int = 3
    batch_size: int = 32
    lr: float = 3e-4
    log_every: int = 50


class PosDataset(Dataset):
    def __init__(self, n, vocab=9000, n_tags=17, max_len=40):
        g = torch.Generator().manual_seed(3)
        self.ids = torch.randint(1, vocab, (n, max_len), generator=g)
        self.tags = torch.randint(0, n_tags, (n, max_len), generator=g)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.tags[i]}


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab=9000, d=200, n_tags=17):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.lstm = nn.LSTM(d, d, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * d, n_tags)

    def forward(self, input_ids, labels=None):
        h, _ = self.lstm(self.emb(input_ids))
        return {"logits": self.out(h)}


def install_activation_stats(model, store):
    def hook(mod, inp, out):
        store["logit_std"] = out["logits"].detach().std().item()
    return model.register_forward_hook(hook)


class BaseTrainer:
    def __init__(self, model, args, train_dataset):
        self.model, self.args, self.train_dataset = model, args, train_dataset
        self.optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        self.state = {"step": 0}

    def compute_loss(self, model, inputs):
        raise NotImplementedError

    def train(self):
        loader = DataLoader(self.train_dataset, batch_size=self.args.batch_size, shuffle=True)
        for epoch in range(self.args.epochs):
            self.model.train()
            for inputs in loader:
                loss = self.compute_loss(self.model, inputs)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.state["step"] += 1
                if self.state["step"] % self.args.log_every == 0:
                    self.log({"loss": loss.item(), "epoch": epoch})

    def log(self, logs):
        logger.info("step %d %s", self.state["step"], logs)


class WeightedTrainer(BaseTrainer):
    def __init__(self, *a, class_weights=None, stats=None, **kw):
        super().__init__(*a, **kw)
        self.class_weights = class_weights
        self.stats = stats if stats is not None else {}

    def compute_loss(self, model, inputs):
        labels = inputs.pop("labels")
        outputs = model.forward(**inputs)
        logits = outputs["logits"]
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), weight=self.class_weights)

    def log(self, logs):
        logs["logit_std"] = self.stats.get("logit_std")
        super().log(logs)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = BiLSTMTagger()
    stats = {}
    install_activation_stats(model, stats)
    weights = torch.ones(17)
    weights[0] = 0.2  # the "O"-like majority tag
    trainer = WeightedTrainer(model, Args(), PosDataset(8000), class_weights=weights, stats=stats)
    trainer.train()
    torch.save(model.state_dict(), "pos_tagger.pt")
