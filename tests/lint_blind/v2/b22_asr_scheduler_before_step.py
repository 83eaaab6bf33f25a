# expect: TVL007
# style: torchaudio/ESPnet-like CTC ASR recipe with a Noam warmup scheduler
# bug: scheduler.step() is called before optimizer.step() inside the batch loop
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConformerLite(nn.Module):
    def __init__(self, n_mels=80, d_model=144, vocab=32):
        super().__init__()
        self.subsample = nn.Sequential(nn.Conv1d(n_mels, d_model, 3, 2, 1), nn.ReLU(),
                                       nn.Conv1d(d_model, d_model, 3, 2, 1), nn.ReLU())
        enc_layer = nn.TransformerEncoderLayer(d_model, 4, 4 * d_model, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, num_layers=4)
        self.ctc_head = nn.Linear(d_model, vocab)

    def forward(self, mels):
        h = self.subsample(mels).transpose(1, 2)
        return self.ctc_head(self.encoder(h)).log_softmax(-1)


def noam_lambda(d_model, warmup):
    return lambda step: d_model ** -0.5 * min((step + 1) ** -0.5, (step + 1) * warmup ** -1.5)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=25000)
    parser.add_argument("--batch_size", type=int, default=16)
    args = parser.parse_args()
    model = ConformerLite()
    optimizer = torch.optim.Adam(model.parameters(), lr=5.0, betas=(0.9, 0.98), eps=1e-9)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, noam_lambda(144, args.warmup))
    mels = torch.randn(128, 80, 400)
    targets = torch.randint(1, 32, (128, 40))
    loader = DataLoader(TensorDataset(mels, targets), batch_size=args.batch_size, shuffle=True)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    for epoch in range(args.epochs):
        model.train()
        for i, (x, y) in enumerate(loader):
            log_probs = model(x).transpose(0, 1)
            in_lens = torch.full((x.size(0),), log_probs.size(0), dtype=torch.long)
            tgt_lens = torch.full((x.size(0),), y.size(1), dtype=torch.long)
            loss = ctc(log_probs, y, in_lens, tgt_lens)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            scheduler.step()
            optimizer.step()
            if i % 5 == 0:
                print(f"epoch {epoch} iter {i} ctc {loss.item():.3f} lr {scheduler.get_last_lr()[0]:.2e}")


if __name__ == "__main__":
    main()
