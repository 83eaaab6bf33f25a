# expect: TVL004
# style: Keras-like callback runner, text classification with a small Transformer encoder
# bug: the Loop puts the model in train mode only in on_fit_start; ValidationCallback.on_epoch_end switches it to eval and nothing restores train mode for the following epochs.
import logging
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("loop")


class Callback:
    def on_fit_start(self, loop): ...
    def on_epoch_start(self, loop): ...
    def on_batch_end(self, loop, loss): ...
    def on_epoch_end(self, loop): ...


class TrainModeCallback(Callback):
    def on_fit_start(self, loop):
        loop.model.train()


class ValidationCallback(Callback):
    def __init__(self, loader):
        self.loader = loader
        self.history = []

    def on_epoch_end(self, loop):
        loop.model.eval()
        hits = total = 0
        with torch.no_grad():
            for ids, y in self.loader:
                hits += (loop.model(ids).argmax(-1) == y).sum().item()
                total += y.numel()
        self.history.append(hits / total)
        log.info("epoch %d val_acc %.4f", loop.epoch, self.history[-1])


class LossLogger(Callback):
    def __init__(self, every=50):
        self.every, self.buf = every, []

    def on_batch_end(self, loop, loss):
        self.buf.append(loss)
        if len(self.buf) == self.every:
            log.info("step %d loss %.4f", loop.global_step, sum(self.buf) / len(self.buf))
            self.buf.clear()


class Loop:
    def __init__(self, model, optimizer, callbacks):
        self.model, self.optimizer, self.callbacks = model, optimizer, callbacks
        self.epoch = 0
        self.global_step = 0

    def _fire(self, name, *args):
        for cb in self.callbacks:
            getattr(cb, name)(self, *args)

    def fit(self, loader, epochs):
        self._fire("on_fit_start")
        for self.epoch in range(epochs):
            self._fire("on_epoch_start")
            for ids, y in loader:
                self.optimizer.zero_grad()
                loss = F.cross_entropy(self.model(ids), y)
                loss.backward()
                self.optimizer.step()
                self.global_step += 1
                self._fire("on_batch_end", loss.item())
            self._fire("on_epoch_end")


class TextTransformer(nn.Module):
    def __init__(self, vocab=8000, d=128, heads=4, layers=2, n_cls=4, max_len=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_len, d)
        layer = nn.TransformerEncoderLayer(d, heads, d * 4, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.cls = nn.Linear(d, n_cls)

    def forward(self, ids):
        pos = torch.arange(ids.size(1), device=ids.device)
        h = self.enc(self.tok(ids) + self.pos(pos))
        return self.cls(h.mean(1))


def synthetic_news(n, seq=64, vocab=8000, n_cls=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, n_cls, (n,), generator=g)
    ids = torch.randint(0, vocab, (n, seq), generator=g)
    ids[:, 0] = y + 1
    return TensorDataset(ids, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s | %(message)s")
    torch.manual_seed(0)
    train_dl = DataLoader(synthetic_news(8000), batch_size=64, shuffle=True)
    val_dl = DataLoader(synthetic_news(1000, seed=1), batch_size=256)
    model = TextTransformer()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)
    callbacks = [TrainModeCallback(), LossLogger(), ValidationCallback(val_dl)]
    t0 = time.time()
    Loop(model, opt, callbacks).fit(train_dl, epochs=6)
    log.info("done in %.1fs", time.time() - t0)
    torch.save(model.state_dict(), "text_transformer.pt")
