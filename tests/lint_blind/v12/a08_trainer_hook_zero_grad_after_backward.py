# expect: TVL003
# style: hand-written Lightning-like Trainer with hook methods, text classification
# bug: the runner calls on_after_backward() between backward() and optimizer.step(), and that hook zeroes the gradients (meant as a "cleanup" hook), so step() always sees zero grads
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("trainer")


class TextCNN(nn.Module):
    def __init__(self, vocab_size=20000, emb=128, n_filters=100, kernel_sizes=(3, 4, 5), n_classes=4):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, emb, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(emb, n_filters, k) for k in kernel_sizes])
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(n_filters * len(kernel_sizes), n_classes)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        x = torch.cat([F.relu(c(x)).max(dim=-1).values for c in self.convs], dim=1)
        return self.fc(self.drop(x))


class Module:
    """Very small LightningModule look-alike."""

    def __init__(self, net, lr):
        self.net = net
        self.lr = lr

    def configure_optimizers(self):
        return torch.optim.Adam(self.net.parameters(), lr=self.lr)

    def training_step(self, batch):
        ids, y = batch
        return F.cross_entropy(self.net(ids), y)

    @torch.no_grad()
    def validation_step(self, batch):
        ids, y = batch
        logits = self.net(ids)
        return {"loss": F.cross_entropy(logits, y).item(), "correct": (logits.argmax(-1) == y).sum().item(), "n": len(y)}

    def on_after_backward(self, optimizer):
        # free memory from the previous batch before stepping
        optimizer.zero_grad(set_to_none=True)


class Trainer:
    def __init__(self, max_epochs=3, log_every=25, clip=1.0):
        self.max_epochs = max_epochs
        self.log_every = log_every
        self.clip = clip

    def fit(self, module, train_dl, val_dl):
        opt = module.configure_optimizers()
        step = 0
        for epoch in range(self.max_epochs):
            module.net.train()
            for batch in train_dl:
                loss = module.training_step(batch)
                loss.backward()
                module.on_after_backward(opt)
                if self.clip:
                    torch.nn.utils.clip_grad_norm_(module.net.parameters(), self.clip)
                opt.step()
                step += 1
                if step % self.log_every == 0:
                    logger.info("step %d loss %.4f ppl-ish %.2f", step, loss.item(), math.exp(min(loss.item(), 20)))
            self.validate(module, val_dl, epoch)

    def validate(self, module, val_dl, epoch):
        module.net.eval()
        tot = {"loss": 0.0, "correct": 0, "n": 0}
        for batch in val_dl:
            out = module.validation_step(batch)
            for k in tot:
                tot[k] += out[k]
        module.net.train()
        logger.info("epoch %d val_loss %.4f acc %.4f", epoch, tot["loss"] / len(val_dl), tot["correct"] / tot["n"])


def fake_split(n, seq_len=64, vocab=20000, n_classes=4):
    ids = torch.randint(1, vocab, (n, seq_len))
    ids[:, -8:] = 0
    return TensorDataset(ids, torch.randint(0, n_classes, (n,)))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(fake_split(5000), batch_size=64, shuffle=True)
    val_dl = DataLoader(fake_split(1000), batch_size=256)
    Trainer(max_epochs=4).fit(Module(TextCNN(), lr=1e-3), train_dl, val_dl)
