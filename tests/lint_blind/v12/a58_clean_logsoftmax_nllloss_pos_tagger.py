# expect: clean
# style: BiLSTM POS tagger (PyTorch tutorial style), model returns log_softmax, NLLLoss, inline loop
# note: the model output ends with a softmax-family op and the criterion is NLLLoss, but it is log_softmax, which is exactly what NLLLoss expects; targets are int64
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(1)
torch.manual_seed(1)

TAGS = ["DET", "NN", "V", "ADJ", "ADP", "PRON", "ADV", "CONJ"]
WORDS = [f"w{i}" for i in range(3000)]


def fake_sentence():
    L = random.randint(4, 25)
    words = [random.choice(WORDS) for _ in range(L)]
    tags = [TAGS[int(w[1:]) % len(TAGS)] for w in words]
    return words, tags


training_data = [fake_sentence() for _ in range(3000)]
dev_data = [fake_sentence() for _ in range(300)]
word_to_ix = {"<unk>": 0}
for sent, _ in training_data:
    for w in sent:
        word_to_ix.setdefault(w, len(word_to_ix))
tag_to_ix = {t: i for i, t in enumerate(TAGS)}


def prepare_sequence(seq, to_ix):
    return torch.tensor([to_ix.get(w, 0) for w in seq], dtype=torch.long)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim // 2, bidirectional=True)
        self.dropout = nn.Dropout(0.3)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(self.dropout(lstm_out.view(len(sentence), -1)))
        return F.log_softmax(tag_space, dim=1)


model = LSTMTagger(64, 128, len(word_to_ix), len(tag_to_ix))
loss_function = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(10):
    model.train()
    random.shuffle(training_data)
    epoch_loss = 0.0
    for sentence, tags in training_data:
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()

    model.eval()
    correct = total = 0
    with torch.no_grad():
        for sentence, tags in dev_data:
            scores = model(prepare_sequence(sentence, word_to_ix))
            pred = scores.argmax(1)
            gold = prepare_sequence(tags, tag_to_ix)
            correct += (pred == gold).sum().item()
            total += len(tags)
    print(f"epoch {epoch}: loss {epoch_loss / len(training_data):.4f} dev acc {correct / total:.4f}")

with torch.no_grad():
    example = dev_data[0][0]
    out = model(prepare_sequence(example, word_to_ix)).argmax(1)
    print(list(zip(example, [TAGS[i] for i in out.tolist()])))
torch.save(model.state_dict(), "pos_tagger.pt")
