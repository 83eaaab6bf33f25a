# expect: TVL012
"""An event-driven loop keeps its running values in one `log` dict: after each backward it puts
the loss tensor there and lets every listener read it. The epoch-average listener adds
`log["loss"]` into `log["epoch_total"]`, which lives for the whole epoch: every batch's graph
is kept until the epoch ends."""
import torch
from torch import nn


class EpochAverage:
    def epoch_begin(self, log):
        log["epoch_total"] = 0.0
        log["epoch_batches"] = 0

    def batch_done(self, log):
        log["epoch_total"] = log["epoch_total"] + log["loss"]
        log["epoch_batches"] += 1

    def epoch_done(self, log):
        print("mean loss", float(log["epoch_total"]) / log["epoch_batches"])


def run(model, optimizer, data, listeners, epochs=3):
    log = {}
    for _ in range(epochs):
        for ls in listeners:
            ls.epoch_begin(log)
        for inputs, labels in data:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(inputs), labels)
            loss.backward()
            optimizer.step()
            log["loss"] = loss
            for ls in listeners:
                ls.batch_done(log)
        for ls in listeners:
            ls.epoch_done(log)


clf = nn.Linear(20, 4)
run(clf, torch.optim.Adam(clf.parameters()), [(torch.randn(32, 20), torch.randint(0, 4, (32,)))] * 40, [EpochAverage()])
