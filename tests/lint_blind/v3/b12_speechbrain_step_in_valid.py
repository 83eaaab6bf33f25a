# expect: TVL004
# style: SpeechBrain-style Brain subclass (compute_forward / compute_objectives / fit_batch / evaluate_batch)
# bug: evaluate_batch calls fit_batch-like logic and runs optimizer.step() on the validation loss, so the model is trained on the dev set
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


class SpeakerIDBrain:
    def __init__(self, modules, opt_class, hparams):
        self.modules = modules
        self.hparams = hparams
        self.optimizer = opt_class(self.modules.parameters())

    def compute_forward(self, feats):
        emb = self.modules["embedding_model"](feats.transpose(1, 2)).mean(-1)
        return self.modules["classifier"](emb)

    def compute_objectives(self, logits, spk_id):
        return nn.functional.cross_entropy(logits, spk_id)

    def fit_batch(self, batch):
        feats, spk = batch
        loss = self.compute_objectives(self.compute_forward(feats), spk)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def evaluate_batch(self, batch):
        feats, spk = batch
        self.optimizer.zero_grad()
        loss = self.compute_objectives(self.compute_forward(feats), spk)
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def fit(self, epochs, train_set, valid_set):
        for epoch in range(1, epochs + 1):
            self.modules.train()
            avg_train = 0.0
            for i, batch in enumerate(train_set, 1):
                loss = self.fit_batch(batch)
                avg_train += (loss.item() - avg_train) / i
            self.modules.eval()
            avg_valid = 0.0
            for i, batch in enumerate(valid_set, 1):
                loss = self.evaluate_batch(batch)
                avg_valid += (loss.item() - avg_valid) / i
            logger.info("epoch %d train_loss %.3f valid_loss %.3f", epoch, avg_train, avg_valid)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--n_mels", type=int, default=40)
    ap.add_argument("--n_spk", type=int, default=28)
    ap.add_argument("--epochs", type=int, default=10)
    hp = ap.parse_args()
    modules = nn.ModuleDict({
        "embedding_model": nn.Sequential(nn.Conv1d(hp.n_mels, 128, 5, padding=2), nn.ReLU(), nn.Conv1d(128, 128, 3, padding=1)),
        "classifier": nn.Linear(128, hp.n_spk),
    })
    train = TensorDataset(torch.randn(400, 200, hp.n_mels), torch.randint(0, hp.n_spk, (400,)))
    valid = TensorDataset(torch.randn(80, 200, hp.n_mels), torch.randint(0, hp.n_spk, (80,)))
    brain = SpeakerIDBrain(modules, lambda p: torch.optim.Adam(p, lr=1e-3), hp)
    brain.fit(hp.epochs, DataLoader(train, batch_size=16, shuffle=True), DataLoader(valid, batch_size=16))
