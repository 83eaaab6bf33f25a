# expect: TVL009
# style: sentiment classifier with log_softmax head, targets derived from a rating column via a preprocessing helper
# bug: `rating_to_target` returns float bucket ids (torch.floor of a float tensor), and they are passed as the target of F.nll_loss, which needs integer class indices
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

VOCAB, N_CLASSES = 10000, 5


def rating_to_target(ratings):
    """Map 1.0..5.0 star ratings to buckets 0..4."""
    return torch.floor(ratings.clamp(1.0, 4.999) - 1.0)


class GRUSentiment(nn.Module):
    def __init__(self, vocab=VOCAB, emb=96, hidden=128, n_cls=N_CLASSES):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.gru = nn.GRU(emb, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_cls)

    def forward(self, ids):
        _, h = self.gru(self.emb(ids))
        return F.log_softmax(self.head(h[-1]), dim=-1)


def build_loaders(n=5000, L=60, bs=64):
    ids = torch.randint(1, VOCAB, (n, L))
    ratings = torch.rand(n) * 4 + 1
    targets = rating_to_target(ratings)
    split = int(0.9 * n)
    train = DataLoader(TensorDataset(ids[:split], targets[:split]), batch_size=bs, shuffle=True)
    dev = DataLoader(TensorDataset(ids[split:], targets[split:]), batch_size=256)
    return train, dev


def main(epochs=5, lr=2e-3):
    train_dl, dev_dl = build_loaders()
    model = GRUSentiment()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for ep in range(epochs):
        model.train()
        total = 0.0
        for ids, tgt in train_dl:
            logp = model(ids)
            loss = F.nll_loss(logp, tgt)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item()
        model.eval()
        correct = n = 0
        with torch.no_grad():
            for ids, tgt in dev_dl:
                correct += (model(ids).argmax(-1) == tgt.long()).sum().item()
                n += len(tgt)
        print(f"epoch {ep} train_nll {total/len(train_dl):.4f} dev_acc {correct/n:.4f}")


if __name__ == "__main__":
    main()
