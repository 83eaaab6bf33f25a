# expect: TVL007
# style: NER BiLSTM tagger, plain loop; warmup LambdaLR stepped before optimizer.step()
# bug: scheduler.step() is called before optimizer.step() in each iteration
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD = 0
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab, emb=100, hidden=128, n_tags=len(TAGS)):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.33)
        self.out = nn.Linear(2 * hidden, n_tags)

    def forward(self, ids):
        h, _ = self.lstm(self.drop(self.emb(ids)))
        return self.out(self.drop(h))


def synth(n, vocab=3000, L=40):
    ids = torch.randint(1, vocab, (n, L))
    lens = torch.randint(8, L, (n,))
    mask = torch.arange(L)[None] < lens[:, None]
    ids[~mask] = PAD
    tags = torch.randint(0, len(TAGS), (n, L))
    tags[~mask] = -100
    return TensorDataset(ids, tags)


random.seed(13)
torch.manual_seed(13)
train_dl = DataLoader(synth(3000), batch_size=32, shuffle=True)
model = BiLSTMTagger(3000)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
warmup = 200
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup))

step = 0
for epoch in range(6):
    model.train()
    loss_sum, tok_correct, tok_total = 0.0, 0, 0
    for ids, tags in train_dl:
        logits = model(ids)
        loss = F.cross_entropy(logits.view(-1, len(TAGS)), tags.view(-1), ignore_index=-100)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        scheduler.step()
        optimizer.step()
        step += 1
        loss_sum += loss.item()
        m = tags != -100
        tok_correct += (logits.argmax(-1)[m] == tags[m]).sum().item()
        tok_total += m.sum().item()
    print(f"epoch {epoch} loss {loss_sum/len(train_dl):.4f} tok_acc {tok_correct/tok_total:.4f} "
          f"lr {scheduler.get_last_lr()[0]:.2e} step {step}")
