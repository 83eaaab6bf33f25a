# zoo: expect=loss-not-decreasing,prediction-collapse
# zoo: source=common mistake (vocabulary lower-cased, lookup not)
"""Fault: a bag-of-words sentiment classifier. The vocabulary is built from lower-cased words,
but the encoding step looks words up as they are, and the reviews are written in Title Case: every
token maps to <unk>. Every review becomes the same input, the model can only learn the class
prior (here 50/50, where it starts), and the loss stays at ln 2 epoch after epoch
(loss-not-decreasing; the constant output is prediction-collapse). --fixed: lower-case the words
when encoding, as when the vocabulary was built."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

positive = ["great", "loved", "wonderful", "best", "enjoyed", "brilliant", "fun", "superb"]
negative = ["awful", "hated", "boring", "worst", "dull", "terrible", "waste", "poor"]
neutral = ["movie", "film", "the", "plot", "actors", "story", "it", "was", "and", "a", "this"]
g = torch.Generator().manual_seed(0)


def review(label: int) -> list[str]:
    words = [neutral[int(i)] for i in torch.randint(0, len(neutral), (8,), generator=g)]
    cues = positive if label == 1 else negative
    words += [cues[int(i)] for i in torch.randint(0, len(cues), (3,), generator=g)]
    order = torch.randperm(len(words), generator=g)
    return [words[int(i)].title() for i in order]  # reviews come in Title Case


labels = torch.randint(0, 2, (1024,), generator=g)
texts = [review(int(y)) for y in labels]
vocab = {"<pad>": 0, "<unk>": 1}
for text in texts:
    for word in text:
        vocab.setdefault(word.lower(), len(vocab))


def encode(text: list[str]) -> list[int]:
    if args.fixed:
        return [vocab.get(word.lower(), 1) for word in text]
    return [vocab.get(word, 1) for word in text]  # the bug: "Great" is not in the vocabulary


tokens = torch.tensor([encode(t) for t in texts])
train_loader = DataLoader(TensorDataset(tokens, labels), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))


class BagOfWords(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.EmbeddingBag(len(vocab), 32, mode="mean", padding_idx=0)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(32, 2))
        nn.init.zeros_(self.head[1].bias)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(tokens))


model = BagOfWords()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
for epoch in range(4):
    total = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch + 1}: loss {total / len(train_loader):.4f}")
