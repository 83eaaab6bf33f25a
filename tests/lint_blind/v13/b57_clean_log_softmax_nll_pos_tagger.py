# expect: clean
# style: classic PyTorch-tutorial-style LSTM POS tagger, inline
# note: the model applies F.log_softmax before nn.NLLLoss, which is the correct pairing (log-probabilities, int64 targets)
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)
random.seed(1)

TAGS = ["DET", "NN", "V", "ADJ", "ADP", "PRON"]
WORDS = {"DET": ["the", "a", "every"], "NN": ["dog", "apple", "book", "city", "river"],
         "V": ["ate", "read", "saw", "crossed"], "ADJ": ["red", "old", "quiet"], "ADP": ["in", "near", "by"],
         "PRON": ["she", "he", "they"]}
TEMPLATES = [["DET", "NN", "V", "DET", "NN"], ["PRON", "V", "DET", "ADJ", "NN"],
             ["DET", "ADJ", "NN", "V", "ADP", "DET", "NN"], ["PRON", "V", "ADP", "DET", "NN"]]


def make_sentence():
    tpl = random.choice(TEMPLATES)
    return [random.choice(WORDS[t]) for t in tpl], tpl


training_data = [make_sentence() for _ in range(800)]
val_data = [make_sentence() for _ in range(100)]

word_to_ix = {}
for sent, _ in training_data + val_data:
    for w in sent:
        word_to_ix.setdefault(w, len(word_to_ix))
tag_to_ix = {t: i for i, t in enumerate(TAGS)}


def prepare_sequence(seq, to_ix):
    return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        return F.log_softmax(tag_space, dim=1)


model = LSTMTagger(32, 64, len(word_to_ix), len(tag_to_ix))
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)


def accuracy(data):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for sent, tags in data:
            pred = model(prepare_sequence(sent, word_to_ix)).argmax(1)
            correct += (pred == prepare_sequence(tags, tag_to_ix)).sum().item()
            total += len(tags)
    model.train()
    return correct / total


for epoch in range(15):
    random.shuffle(training_data)
    epoch_loss = 0.0
    model.train()
    for sentence, tags in training_data:
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    print(f"epoch {epoch} loss {epoch_loss / len(training_data):.4f} val acc {accuracy(val_data):.3f}")

with torch.no_grad():
    sent, _ = val_data[0]
    scores = model(prepare_sequence(sent, word_to_ix))
    print(list(zip(sent, [TAGS[i] for i in scores.argmax(1).tolist()])))
