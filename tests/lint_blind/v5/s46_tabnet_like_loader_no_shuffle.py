# expect: TVL015
# style: TabNet-like attentive feature-selection network for tabular classification (pytorch-tabnet flavour, trimmed)
# bug: the training DataLoader is built with drop_last=True but neither shuffle=True nor a sampler, so every epoch sees the (label-sorted) rows in the same order
import argparse
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def sparsemax_like(z):
    return F.softmax(z * 2.0, dim=-1)


class FeatTransformer(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.fc = nn.Linear(d_in, 2 * d_out)
        self.bn = nn.BatchNorm1d(2 * d_out, momentum=0.02)

    def forward(self, x):
        return F.glu(self.bn(self.fc(x)))


class TabNetLite(nn.Module):
    def __init__(self, d_in, n_classes, n_d=16, n_steps=3, gamma=1.3):
        super().__init__()
        self.n_steps, self.gamma = n_steps, gamma
        self.initial_bn = nn.BatchNorm1d(d_in)
        self.transformers = nn.ModuleList(FeatTransformer(d_in, 2 * n_d) for _ in range(n_steps))
        self.attentive = nn.ModuleList(nn.Linear(n_d, d_in) for _ in range(n_steps))
        self.final = nn.Linear(n_d, n_classes)
        self.n_d = n_d

    def forward(self, x):
        x = self.initial_bn(x)
        prior = torch.ones_like(x)
        a = torch.zeros(x.size(0), self.n_d, device=x.device)
        out = 0
        for step in range(self.n_steps):
            mask = sparsemax_like(self.attentive[step](a) * prior)
            prior = prior * (self.gamma - mask)
            h = self.transformers[step](x * mask)
            d, a = h[:, :self.n_d], h[:, self.n_d:]
            out = out + F.relu(d)
        return self.final(out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_epochs", type=int, default=50)
    ap.add_argument("--batch_size", type=int, default=1024)
    ap.add_argument("--virtual_batch_size", type=int, default=128)
    args = ap.parse_args()
    X = np.random.randn(30000, 54).astype(np.float32)
    y = np.random.randint(0, 7, 30000)
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    train_ds = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    train_dl = DataLoader(train_ds, batch_size=args.batch_size, drop_last=True, num_workers=2)
    clf = TabNetLite(54, 7)
    optimizer = torch.optim.Adam(clf.parameters(), lr=2e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.9)
    for epoch in range(args.max_epochs):
        clf.train()
        epoch_loss = 0.0
        for xb, yb in train_dl:
            optimizer.zero_grad()
            loss = F.cross_entropy(clf(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(clf.parameters(), 1.0)
            optimizer.step()
            epoch_loss += loss.item()
        scheduler.step()
        print(f"epoch {epoch:<3} | loss: {epoch_loss / len(train_dl):.5f} | lr {scheduler.get_last_lr()[0]:.4f}")
