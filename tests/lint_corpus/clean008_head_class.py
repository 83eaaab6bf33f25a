# expect: clean
import torch
import torch.nn as nn


class SoftmaxHead(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.fc = nn.Linear(d, k)

    def forward(self, h):
        return self.fc(h)  # logits; softmax only at inference


class Tagger(nn.Module):
    def __init__(self, vocab=1000, d=64, k=9):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, d)
        self.classifier = SoftmaxHead(d, k)

    def forward(self, tokens):
        return self.classifier(self.emb(tokens))


tagger = Tagger()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.AdamW(tagger.parameters(), lr=3e-4)
for step in range(100):
    tokens, tags = torch.randint(0, 1000, (16, 12)), torch.randint(0, 9, (16,))
    optimizer.zero_grad()
    loss = criterion(tagger(tokens), tags)
    loss.backward()
    optimizer.step()
