# expect: TVL009
# style: ESPnet-like speech repo with Dataset + collate_fn, phoneme-frame classification
# bug: the dataset stores frame labels as float32 and collate_fn pads them as float, so F.nll_loss receives a float target.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

N_PHONES = 40
IGNORE = -100


class FrameAlignedCorpus(Dataset):
    def __init__(self, n_utts=500, n_feats=80):
        g = torch.Generator().manual_seed(0)
        self.items = []
        for _ in range(n_utts):
            T = int(torch.randint(80, 300, (1,), generator=g))
            feats = torch.randn(T, n_feats, generator=g)
            ali = torch.randint(0, N_PHONES, (T,), generator=g).to(torch.float32)
            self.items.append((feats, ali))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate_fn(batch):
    feats, labels = zip(*batch)
    lengths = torch.tensor([f.size(0) for f in feats])
    feats = pad_sequence(feats, batch_first=True)
    labels = pad_sequence(labels, batch_first=True, padding_value=float(IGNORE))
    return feats, labels, lengths


class FrameClassifier(nn.Module):
    def __init__(self, n_feats=80, hidden=256):
        super().__init__()
        self.blstm = nn.LSTM(n_feats, hidden, num_layers=2, batch_first=True, bidirectional=True, dropout=0.1)
        self.proj = nn.Linear(2 * hidden, N_PHONES)

    def forward(self, feats, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(feats, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.blstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=feats.size(1))
        return F.log_softmax(self.proj(out), dim=-1)


def frame_loss(log_probs, labels):
    return F.nll_loss(log_probs.reshape(-1, N_PHONES), labels.reshape(-1), ignore_index=IGNORE)


def train(epochs=5):
    loader = DataLoader(FrameAlignedCorpus(), batch_size=16, shuffle=True, collate_fn=collate_fn)
    model = FrameClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        model.train()
        tot, nb = 0.0, 0
        for feats, labels, lengths in loader:
            log_probs = model(feats, lengths)
            loss = frame_loss(log_probs, labels)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item(); nb += 1
        print(f"epoch {epoch} frame nll {tot / nb:.4f}")
    return model


if __name__ == "__main__":
    train()
