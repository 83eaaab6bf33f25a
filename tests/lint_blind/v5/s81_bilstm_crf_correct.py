# expect: clean
# style: BiLSTM-CRF NER (the classic PyTorch tutorial grown into a batched project), CRF transitions as nn.Parameter, Viterbi decoding under no_grad
# note: the negative log-likelihood comes from emissions with gradient; transitions are an nn.Parameter; torch.tensor is only used for label ids, never for the loss
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class CRF(nn.Module):
    def __init__(self, n_tags):
        super().__init__()
        self.transitions = nn.Parameter(torch.randn(n_tags, n_tags) * 0.01)
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))

    def _score(self, em, tags, mask):
        s = self.start[tags[:, 0]] + em[:, 0].gather(1, tags[:, :1]).squeeze(1)
        for t in range(1, em.size(1)):
            step = self.transitions[tags[:, t - 1], tags[:, t]] + em[:, t].gather(1, tags[:, t:t + 1]).squeeze(1)
            s = s + step * mask[:, t]
        last = tags.gather(1, (mask.sum(1).long() - 1).unsqueeze(1)).squeeze(1)
        return s + self.end[last]

    def _partition(self, em, mask):
        alpha = self.start + em[:, 0]
        for t in range(1, em.size(1)):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions + em[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t:t + 1].bool(), nxt, alpha)
        return torch.logsumexp(alpha + self.end, dim=1)

    def nll(self, em, tags, mask):
        return (self._partition(em, mask) - self._score(em, tags, mask)).mean()

    @torch.no_grad()
    def decode(self, em):
        score, history = self.start + em[:, 0], []
        for t in range(1, em.size(1)):
            score, idx = (score.unsqueeze(2) + self.transitions).max(1)
            score = score + em[:, t]
            history.append(idx)
        best = [(score + self.end).argmax(1)]
        for idx in reversed(history):
            best.append(idx.gather(1, best[-1].unsqueeze(1)).squeeze(1))
        return torch.stack(best[::-1], dim=1)


class BiLSTMCRF(nn.Module):
    def __init__(self, vocab, n_tags, emb=100, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden // 2, batch_first=True, bidirectional=True)
        self.hidden2tag = nn.Linear(hidden, n_tags)
        self.crf = CRF(n_tags)

    def forward(self, tokens):
        return self.hidden2tag(self.lstm(self.emb(tokens))[0])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    tag2id = {"O": 0, "B-PER": 1, "I-PER": 2, "B-LOC": 3, "I-LOC": 4}
    toks = torch.randint(1, 4000, (2000, 30))
    lens = torch.randint(5, 31, (2000,))
    mask = (torch.arange(30)[None] < lens[:, None]).float()
    tags = torch.tensor([[tag2id["O"]] * 30 for _ in range(2000)]) + (toks % 5) * mask.long()
    loader = DataLoader(TensorDataset(toks * mask.long(), tags, mask), batch_size=32, shuffle=True)
    model = BiLSTMCRF(4000, len(tag2id))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)
    for epoch in range(args.epochs):
        model.train()
        for x, y, m in loader:
            loss = model.crf.nll(model(x), y, m)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
        model.eval()
        with torch.no_grad():
            pred = model.crf.decode(model(toks[:64] * mask[:64].long()))
            acc = ((pred == tags[:64]).float() * mask[:64]).sum().item() / mask[:64].sum().item()
        print(f"epoch {epoch}: nll {loss.item():.3f} token acc {acc:.3f}")
