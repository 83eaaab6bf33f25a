# expect: clean
# style: torchaudio/speechbrain-like SER recipe with running statistics accumulated as Python floats
# note: running totals use loss.item() / detach().sum().item(); the loss tensor itself is only used for backward
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ECAPALite(nn.Module):
    def __init__(self, n_mels=80, c=128, n_cls=4):
        super().__init__()
        self.tdnn = nn.Sequential(nn.Conv1d(n_mels, c, 5, padding=2), nn.ReLU(), nn.BatchNorm1d(c),
                                  nn.Conv1d(c, c, 3, dilation=2, padding=2), nn.ReLU(), nn.BatchNorm1d(c))
        self.attn = nn.Conv1d(c, 1, 1)
        self.fc = nn.Linear(2 * c, n_cls)

    def forward(self, x):
        h = self.tdnn(x)
        w = torch.softmax(self.attn(h), dim=-1)
        mu = (h * w).sum(-1)
        sd = ((h ** 2 * w).sum(-1) - mu ** 2).clamp(min=1e-5).sqrt()
        return self.fc(torch.cat([mu, sd], dim=1))


def fit_batch(model, batch, optimizer):
    feats, labels = batch
    logits = model(feats)
    loss = F.cross_entropy(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach(), (logits.argmax(-1) == labels).sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--number_of_epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    hp = ap.parse_args()
    ds = TensorDataset(torch.randn(480, 80, 300), torch.randint(0, 4, (480,)))
    loader = DataLoader(ds, batch_size=16, shuffle=True)
    model = ECAPALite()
    optimizer = torch.optim.Adam(model.parameters(), lr=hp.lr)
    for epoch in range(1, hp.number_of_epochs + 1):
        model.train()
        avg_train_loss, n_correct, n_seen = 0.0, 0, 0
        for step, batch in enumerate(loader, start=1):
            loss, correct = fit_batch(model, batch, optimizer)
            avg_train_loss += (loss.item() - avg_train_loss) / step
            n_correct += correct.item()
            n_seen += batch[1].numel()
        print(f"epoch: {epoch}, train loss: {avg_train_loss:.3f}, train acc: {n_correct / n_seen:.3f}")


if __name__ == "__main__":
    main()
