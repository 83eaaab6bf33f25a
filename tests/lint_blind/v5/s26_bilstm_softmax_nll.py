# expect: TVL008
# style: POS tagger in the PyTorch-tutorial style (LSTMTagger) grown into a small project with a loss helper
# bug: LSTMTagger.forward returns F.softmax probabilities and compute_loss() passes them to F.nll_loss, which expects log-probabilities
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD_TAG = -100


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.hidden2tag = nn.Linear(2 * hidden_dim, tagset_size)

    def forward(self, sentence):
        lstm_out, _ = self.lstm(self.word_embeddings(sentence))
        tag_space = self.hidden2tag(lstm_out)
        return F.softmax(tag_space, dim=-1)


def compute_loss(tag_scores, tags):
    return F.nll_loss(tag_scores.view(-1, tag_scores.size(-1)), tags.view(-1), ignore_index=PAD_TAG)


def accuracy(tag_scores, tags):
    mask = tags != PAD_TAG
    return ((tag_scores.argmax(-1) == tags) & mask).sum().item() / mask.sum().item()


def train(model, loader, optimizer, epochs):
    for epoch in range(epochs):
        model.train()
        for sentence, tags in loader:
            model.zero_grad()
            tag_scores = model(sentence)
            loss = compute_loss(tag_scores, tags)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.4f} acc {accuracy(tag_scores.detach(), tags):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedding_dim", type=int, default=64)
    parser.add_argument("--hidden_dim", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    sents = torch.randint(1, 3000, (1500, 30))
    tags = torch.randint(0, 17, (1500, 30))
    tags[:, 25:] = PAD_TAG
    sents[:, 25:] = 0
    loader = DataLoader(TensorDataset(sents, tags), batch_size=32, shuffle=True)
    model = LSTMTagger(args.embedding_dim, args.hidden_dim, 3000, 17)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    train(model, loader, optimizer, args.epochs)
