# expect: clean
# style: ESPnet/SpeechBrain-like speaker-ID recipe (x-vector style), probabilities computed only for reporting
# note: nn.CrossEntropyLoss gets raw logits; softmax/sigmoid appear only under no_grad for top-k accuracy and confidence logging
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class XVector(nn.Module):
    def __init__(self, n_mels=40, n_spk=200, emb=256):
        super().__init__()
        self.tdnn = nn.Sequential(nn.Conv1d(n_mels, 512, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(512),
                                  nn.Conv1d(512, 512, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(512),
                                  nn.Conv1d(512, 1500, 1), nn.ReLU())
        self.segment = nn.Linear(3000, emb)
        self.classifier = nn.Linear(emb, n_spk)

    def forward(self, feats):
        h = self.tdnn(feats)
        stats = torch.cat([h.mean(-1), h.std(-1)], dim=1)
        return self.classifier(torch.relu(self.segment(stats)))


def report(logits, labels, k=5):
    with torch.no_grad():
        probs = torch.softmax(logits, dim=-1)
        topk = probs.topk(k, dim=-1).indices
        acc_k = (topk == labels[:, None]).any(1).float().mean().item()
        conf = probs.max(-1).values.mean().item()
    return acc_k, conf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n_epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    hp = ap.parse_args()
    ds = TensorDataset(torch.randn(1200, 40, 200), torch.randint(0, 200, (1200,)))
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    model = XVector()
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.Adam(model.parameters(), lr=hp.lr, weight_decay=2e-5)
    for epoch in range(hp.n_epochs):
        model.train()
        for i, (feats, spk) in enumerate(loader):
            logits = model(feats)
            loss = criterion(logits, spk)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i % 10 == 0:
                acc5, conf = report(logits, spk)
                print(f"epoch {epoch} it {i} loss {loss.item():.3f} top5 {acc5:.3f} conf {conf:.3f}")


if __name__ == "__main__":
    main()
