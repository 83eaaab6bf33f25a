# expect: TVL015
# style: ASR-ish/NLP script that sorts utterances by length to reduce padding, then builds a plain DataLoader
# bug: the training DataLoader is built over the length-sorted dataset without shuffle=True or a (bucketing) sampler, so every epoch sees batches in the same short-to-long order
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence
from torch.utils.data import DataLoader

N_CLS = 8


def load_utterances(n=3000, dim=40):
    utts = []
    for _ in range(n):
        T = int(torch.randint(20, 300, (1,)))
        utts.append((torch.randn(T, dim), int(torch.randint(0, N_CLS, (1,)))))
    return utts


def collate(batch):
    feats = [b[0] for b in batch]
    lens = torch.tensor([len(f) for f in feats])
    return pad_sequence(feats, batch_first=True), lens, torch.tensor([b[1] for b in batch])


class LangID(nn.Module):
    def __init__(self, dim=40, hidden=128):
        super().__init__()
        self.rnn = nn.LSTM(dim, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, N_CLS)

    def forward(self, x, lens):
        packed = pack_padded_sequence(x, lens.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.rnn(packed)
        return self.out(torch.cat([h[-2], h[-1]], -1))


utts = load_utterances()
utts.sort(key=lambda u: len(u[0]))
train_utts, dev_utts = utts[:2700], utts[2700:]
train_loader = DataLoader(train_utts, batch_size=32, collate_fn=collate)
dev_loader = DataLoader(dev_utts, batch_size=64, collate_fn=collate)

model = LangID()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(8):
    model.train()
    tl = 0.0
    for x, lens, y in train_loader:
        loss = F.cross_entropy(model(x, lens), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 3.0)
        opt.step()
        tl += loss.item()
    model.eval()
    hit = tot = 0
    with torch.no_grad():
        for x, lens, y in dev_loader:
            hit += (model(x, lens).argmax(-1) == y).sum().item()
            tot += len(y)
    print(f"epoch {epoch} train_loss {tl/len(train_loader):.4f} dev_acc {hit/tot:.4f}")
