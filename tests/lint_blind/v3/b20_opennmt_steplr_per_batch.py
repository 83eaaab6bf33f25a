# expect: TVL007
# style: OpenNMT-py style Trainer (build_optim / build_lr_scheduler helpers, Statistics object, report_every)
# bug: build_lr_scheduler returns an epoch-based StepLR(step_size=opt.decay_epochs), but Trainer._gradient_accumulation steps it after every batch
import argparse
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Statistics:
    def __init__(self):
        self.loss, self.n_words, self.start = 0.0, 0, time.time()

    def update(self, loss, n_words):
        self.loss += loss
        self.n_words += n_words

    def output(self, step, lr):
        ppl = torch.exp(torch.tensor(self.loss / max(self.n_words, 1))).item()
        print(f"Step {step}; ppl: {ppl:7.2f}; lr: {lr:.6f}; {time.time() - self.start:.0f} sec")


def build_optim(model, opt):
    return torch.optim.SGD(model.parameters(), lr=opt.learning_rate)


def build_lr_scheduler(optimizer, opt):
    # halve the learning rate every `decay_epochs` epochs
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=opt.decay_epochs, gamma=opt.learning_rate_decay)


class Trainer:
    def __init__(self, model, optim, scheduler, report_every):
        self.model, self.optim, self.scheduler = model, optim, scheduler
        self.report_every = report_every
        self.step = 0

    def _gradient_accumulation(self, batch, stats):
        src, tgt = batch
        self.optim.zero_grad()
        logits = self.model(src)
        loss = nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), tgt.view(-1), reduction="sum")
        (loss / tgt.numel()).backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
        self.optim.step()
        self.scheduler.step()
        stats.update(loss.item(), tgt.numel())

    def train(self, train_iter, epochs):
        for epoch in range(epochs):
            self.model.train()
            stats = Statistics()
            for batch in train_iter:
                self._gradient_accumulation(batch, stats)
                self.step += 1
                if self.step % self.report_every == 0:
                    stats.output(self.step, self.optim.param_groups[0]["lr"])
                    stats = Statistics()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-learning_rate", type=float, default=1.0)
    parser.add_argument("-learning_rate_decay", type=float, default=0.5)
    parser.add_argument("-decay_epochs", type=int, default=8)
    parser.add_argument("-epochs", type=int, default=13)
    parser.add_argument("-report_every", type=int, default=50)
    opt = parser.parse_args()
    model = nn.Sequential(nn.Embedding(5000, 256), nn.Linear(256, 256), nn.Tanh(), nn.Linear(256, 5000))
    data = torch.randint(0, 5000, (3200, 21))
    train_iter = DataLoader(TensorDataset(data[:, :-1], data[:, 1:]), batch_size=64, shuffle=True)
    optim = build_optim(model, opt)
    Trainer(model, optim, build_lr_scheduler(optim, opt), opt.report_every).train(train_iter, opt.epochs)


if __name__ == "__main__":
    main()
