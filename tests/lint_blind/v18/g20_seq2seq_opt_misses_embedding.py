# expect: TVL006
# style: seq2seq translation (GRU encoder-decoder), optimizer assembled from named sub-modules inline
# bug: the optimizer is built from encoder.rnn, decoder and out only; the shared embedding is trainable (not frozen) and gets gradients each step, but it is never updated.
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD, BOS, EOS = 0, 1, 2
VOCAB = 500
MAX_LEN = 16
random.seed(0)
torch.manual_seed(0)


class ReverseCopy(Dataset):
    """Target is the reversed source sequence (a classic toy translation task)."""

    def __init__(self, n):
        self.pairs = []
        for _ in range(n):
            L = random.randint(3, MAX_LEN - 2)
            src = [random.randint(3, VOCAB - 1) for _ in range(L)]
            self.pairs.append((src, list(reversed(src))))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        return self.pairs[i]


def collate(batch):
    def pad(seqs, add_bos):
        seqs = [([BOS] if add_bos else []) + s + [EOS] for s in seqs]
        L = max(map(len, seqs))
        return torch.tensor([s + [PAD] * (L - len(s)) for s in seqs])
    srcs, tgts = zip(*batch)
    return pad(srcs, False), pad(tgts, True)


class Seq2Seq(nn.Module):
    def __init__(self, vocab, emb=128, hidden=256):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.enc_rnn = nn.GRU(emb, hidden, batch_first=True)
        self.dec_rnn = nn.GRU(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, src, tgt_in):
        _, h = self.enc_rnn(self.embedding(src))
        dec, _ = self.dec_rnn(self.embedding(tgt_in), h)
        return self.out(dec)


train_loader = DataLoader(ReverseCopy(20000), batch_size=64, shuffle=True, collate_fn=collate)
val_loader = DataLoader(ReverseCopy(1000), batch_size=128, shuffle=False, collate_fn=collate)

model = Seq2Seq(VOCAB)
params = list(model.enc_rnn.parameters()) + list(model.dec_rnn.parameters()) + list(model.out.parameters())
optimizer = torch.optim.Adam(params, lr=1e-3)
print(f"optimizing {sum(p.numel() for p in params):,} parameters")


def token_accuracy(logits, gold):
    mask = gold != PAD
    return ((logits.argmax(-1) == gold) & mask).sum().item() / mask.sum().item()


for epoch in range(8):
    model.train()
    start = time.time()
    total_loss = 0.0
    for src, tgt in train_loader:
        tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
        logits = model(src, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt_out.reshape(-1), ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        total_loss += loss.item()

    model.eval()
    accs = []
    with torch.no_grad():
        for src, tgt in val_loader:
            accs.append(token_accuracy(model(src, tgt[:, :-1]), tgt[:, 1:]))
    print(f"epoch {epoch} loss {total_loss / len(train_loader):.4f} "
          f"val_tok_acc {sum(accs) / len(accs):.4f} time {time.time() - start:.1f}s")

torch.save(model.state_dict(), "seq2seq_reverse.pt")
