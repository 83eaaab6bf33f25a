# expect: TVL006
# style: PyTorch seq2seq tutorial (separate encoder_optimizer / decoder_optimizer) refactored into a builder function
# bug: build_optimizers() gives the decoder optimizer model.parameters() (encoder included) -> encoder params in two optimizers
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class EncoderRNN(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)

    def forward(self, src):
        return self.gru(self.embedding(src))


class DecoderRNN(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tgt_in, hidden):
        output, hidden = self.gru(F.relu(self.embedding(tgt_in)), hidden)
        return self.out(output), hidden


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, hidden=256):
        super().__init__()
        self.encoder = EncoderRNN(src_vocab, hidden)
        self.decoder = DecoderRNN(tgt_vocab, hidden)

    def forward(self, src, tgt_in):
        _, enc_hidden = self.encoder(src)
        logits, _ = self.decoder(tgt_in, enc_hidden)
        return logits


def build_optimizers(model, lr):
    encoder_optimizer = torch.optim.Adam(model.encoder.parameters(), lr=lr)
    decoder_optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return encoder_optimizer, decoder_optimizer


def train_iters(model, n_iters, lr, print_every=100):
    enc_opt, dec_opt = build_optimizers(model, lr)
    model.train()
    print_loss_total = 0.0
    for it in range(1, n_iters + 1):
        src = torch.randint(2, 1200, (32, 12))
        tgt = torch.randint(2, 1500, (32, 14))
        enc_opt.zero_grad()
        dec_opt.zero_grad()
        logits = model(src, tgt[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1))
        loss.backward()
        enc_opt.step()
        dec_opt.step()
        print_loss_total += loss.item()
        if it % print_every == 0:
            print(f"iter {it} ({it / n_iters * 100:.0f}%) loss {print_loss_total / print_every:.4f}")
            print_loss_total = 0.0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-iters", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    train_iters(Seq2Seq(1200, 1500), args.n_iters, args.lr)
