# expect: TVL004
# style: wav2vec2-style CTC fine-tuning recipe (SpeechBrain/ESPnet-like Brain class)
# bug: Brain.evaluate_batch() was copy-pasted from fit_batch() and still calls self.optimizer.step(), so validation updates the weights
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class FeatureEncoder(nn.Module):
    def __init__(self, dim=256, vocab=32):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(1, 64, 10, 5), nn.GELU(), nn.Conv1d(64, dim, 8, 4), nn.GELU())
        self.ctx = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, 4, 512, batch_first=True), 2)
        self.lm_head = nn.Linear(dim, vocab)

    def forward(self, wav):
        h = self.conv(wav.unsqueeze(1)).transpose(1, 2)
        return self.lm_head(self.ctx(h)).log_softmax(-1)


class Brain:
    def __init__(self, modules, lr):
        self.modules = modules
        self.optimizer = torch.optim.AdamW(modules.parameters(), lr=lr)

    def compute_objectives(self, log_probs, tokens):
        B, T, _ = log_probs.shape
        in_lens = torch.full((B,), T, dtype=torch.long)
        tgt_lens = torch.full((B,), tokens.size(1), dtype=torch.long)
        return F.ctc_loss(log_probs.transpose(0, 1), tokens, in_lens, tgt_lens, blank=0, zero_infinity=True)

    def fit_batch(self, batch):
        wav, tokens = batch
        loss = self.compute_objectives(self.modules(wav), tokens)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def evaluate_batch(self, batch):
        wav, tokens = batch
        loss = self.compute_objectives(self.modules(wav), tokens)
        self.optimizer.step()
        return loss.item()

    def fit(self, epochs, train_set, valid_set):
        for epoch in range(epochs):
            self.modules.train()
            train_loss = sum(self.fit_batch(b) for b in train_set) / len(train_set)
            self.modules.eval()
            with torch.no_grad():
                valid_loss = sum(self.evaluate_batch(b) for b in valid_set) / len(valid_set)
            print(f"epoch {epoch}: train {train_loss:.3f} valid {valid_loss:.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    tr = TensorDataset(torch.randn(64, 16000), torch.randint(1, 32, (64, 20)))
    va = TensorDataset(torch.randn(16, 16000), torch.randint(1, 32, (16, 20)))
    brain = Brain(FeatureEncoder(), args.lr)
    brain.fit(args.epochs, DataLoader(tr, batch_size=8, shuffle=True), DataLoader(va, batch_size=8))
