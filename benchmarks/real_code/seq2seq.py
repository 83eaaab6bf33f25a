# real: source=https://github.com/pytorch/tutorials/blob/main/intermediate_source/seq2seq_translation_tutorial.py
# real: args=
# real: bug=decoder-optimizer-over-encoder expect=unoptimized-parameters
# real: bug=encoder-not-zeroed expect=grads-not-cleared
"""PyTorch seq2seq translation tutorial: EncoderRNN (Embedding, GRU), AttnDecoderRNN with Bahdanau
attention and teacher forcing, log_softmax + NLLLoss, two Adam optimizers: both zero_grads, one
backward, both steps; greedy evaluation under no_grad. Changed: a synthetic "translation"
(reverse and relabel the words) instead of English-French pairs, hidden size 32, lr 0.003."""

import argparse
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

torch.set_num_threads(1)

device = torch.device("cpu")
SOS_token = 0
EOS_token = 1
MAX_LENGTH = 8


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super().__init__()
        self.hidden_size = hidden_size

        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)

        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)

        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long,
                                    device=device).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        attentions = []

        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs
            )
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)

            if target_tensor is not None:
                # Teacher forcing: Feed the target as the next input
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
            else:
                # Without teacher forcing: use its own predictions as the next input
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()  # detach from history as input

        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)

        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))

        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)

        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)

        return output, hidden, attn_weights


def get_dataloader(batch_size, n_pairs=512, n_words=20, seed=0):
    """Pairs of id sequences: a random "sentence" of 3-6 words (ids 2..n_words+1) and its
    "translation", the words reversed and relabelled through a fixed permutation; EOS-terminated
    and zero-padded to MAX_LENGTH like the tutorial's get_dataloader."""
    rng = np.random.RandomState(seed)
    perm = rng.permutation(n_words) + 2
    input_ids = np.zeros((n_pairs, MAX_LENGTH), dtype=np.int32)
    target_ids = np.zeros((n_pairs, MAX_LENGTH), dtype=np.int32)
    for idx in range(n_pairs):
        length = rng.randint(3, MAX_LENGTH - 1)
        inp = rng.randint(0, n_words, length)
        tgt = perm[inp[::-1]]
        input_ids[idx, :length] = inp + 2
        input_ids[idx, length] = EOS_token
        target_ids[idx, :length] = tgt
        target_ids[idx, length] = EOS_token
    train_data = TensorDataset(torch.LongTensor(input_ids).to(device),
                               torch.LongTensor(target_ids).to(device))
    train_sampler = RandomSampler(train_data)
    train_dataloader = DataLoader(train_data, sampler=train_sampler, batch_size=batch_size)
    return n_words + 2, train_dataloader, train_data


def train_epoch(dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion,
                bug=""):
    total_loss = 0
    for data in dataloader:
        input_tensor, target_tensor = data

        if bug != "encoder-not-zeroed":
            encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()

        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)

        loss = criterion(
            decoder_outputs.view(-1, decoder_outputs.size(-1)),
            target_tensor.view(-1)
        )
        loss.backward()

        encoder_optimizer.step()
        decoder_optimizer.step()

        total_loss += loss.item()

    return total_loss / len(dataloader)


def train(train_dataloader, encoder, decoder, n_epochs, learning_rate=0.001, print_every=1,
          bug=""):
    start = time.time()
    print_loss_total = 0  # Reset every print_every

    encoder_optimizer = optim.Adam(encoder.parameters(), lr=learning_rate)
    if bug == "decoder-optimizer-over-encoder":  # copy-pasted from the line above
        decoder_optimizer = optim.Adam(encoder.parameters(), lr=learning_rate)
    else:
        decoder_optimizer = optim.Adam(decoder.parameters(), lr=learning_rate)
    criterion = nn.NLLLoss()

    for epoch in range(1, n_epochs + 1):
        loss = train_epoch(train_dataloader, encoder, decoder, encoder_optimizer,
                           decoder_optimizer, criterion, bug=bug)
        print_loss_total += loss

        if epoch % print_every == 0:
            print_loss_avg = print_loss_total / print_every
            print_loss_total = 0
            print(f"{time.time() - start:.1f}s ({epoch} {epoch / n_epochs * 100:.0f}%) "
                  f"{print_loss_avg:.4f}")


def evaluate(encoder, decoder, input_tensor):
    with torch.no_grad():
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
        _, topi = decoder_outputs.topk(1)
        decoded_ids = topi.squeeze(-1)
    return decoded_ids, decoder_attn


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--hidden_size", type=int, default=32)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--bug", default="", choices=["", "decoder-optimizer-over-encoder",
                                                      "encoder-not-zeroed"])
    args = parser.parse_args()
    random.seed(0)
    torch.manual_seed(0)

    n_tokens, train_dataloader, pairs = get_dataloader(args.batch_size)
    encoder = EncoderRNN(n_tokens, args.hidden_size).to(device)
    decoder = AttnDecoderRNN(args.hidden_size, n_tokens).to(device)

    train(train_dataloader, encoder, decoder, args.epochs, learning_rate=args.lr, bug=args.bug)

    encoder.eval()
    decoder.eval()
    inputs, targets = pairs[:64]
    decoded, _ = evaluate(encoder, decoder, inputs)
    mask = targets != 0
    print(f"token accuracy on 64 training pairs: "
          f"{(decoded == targets)[mask].float().mean().item():.3f}")
