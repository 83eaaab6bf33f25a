# expect: clean
# style: Trainer with an EvalModeMixin context manager, news topic classification
# note: validation calls model.eval() inside the epoch loop with no visible model.train(), but the context manager restores the previous training flag on exit
import contextlib
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("topics")


class EvalModeMixin:
    @contextlib.contextmanager
    def evaluating(self, module):
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                yield module
        finally:
            module.train(was_training)


class FastText(nn.Module):
    def __init__(self, vocab, dim, n_classes, n_buckets=200_000):
        super().__init__()
        self.words = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.ngrams = nn.EmbeddingBag(n_buckets, dim, mode="mean")
        self.n_buckets = n_buckets
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(dim, n_classes)

    def forward(self, ids):
        bigrams = (ids[:, :-1] * 1_000_003 + ids[:, 1:]) % self.n_buckets
        h = self.words(ids) + self.ngrams(bigrams)
        return self.fc(self.drop(h))


class TopicTrainer(EvalModeMixin):
    def __init__(self, model, train_loader, val_loader, lr=0.2, epochs=10):
        self.model = model
        self.train_loader, self.val_loader = train_loader, val_loader
        self.opt = torch.optim.SGD(model.parameters(), lr=lr)
        total = epochs * len(train_loader)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda s: max(0.0, 1 - s / total))
        self.epochs = epochs

    def validate(self):
        correct = n = 0
        with self.evaluating(self.model) as m:
            for ids, y in self.val_loader:
                correct += (m(ids).argmax(1) == y).sum().item()
                n += len(y)
        return correct / n

    def fit(self):
        self.model.train()
        for epoch in range(self.epochs):
            seen, loss_sum = 0, 0.0
            for step, (ids, y) in enumerate(self.train_loader):
                loss = F.cross_entropy(self.model(ids), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.sched.step()
                loss_sum += loss.item() * len(y)
                seen += len(y)
                if step % 200 == 199:
                    logger.info("epoch %d step %d mid-epoch val acc %.4f", epoch, step, self.validate())
            logger.info("epoch %d loss %.4f val acc %.4f", epoch, loss_sum / seen, self.validate())


def corpus(n, vocab=30000, L=50, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, k, (n,), generator=g)
    ids = torch.randint(0, vocab, (n, L), generator=g)
    ids[:, :5] = (y[:, None] * 1000 + torch.randint(0, 1000, (n, 5), generator=g))
    return TensorDataset(ids, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(corpus(40000), batch_size=64, shuffle=True)
    val_loader = DataLoader(corpus(4000, seed=1), batch_size=512)
    TopicTrainer(FastText(30000, 64, 4), train_loader, val_loader).fit()
