# expect: clean
# style: tabular multi-head model (classification + regression) with a dataset that returns float labels, converted in the loss helper
# note: the dataset stores class ids as float32 (TVL009 look-alike), but `compute_losses` casts them with .long() before cross_entropy, and the regression head output is reshaped with view_as(target)
import argparse
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("loans")


class LoanFrame(Dataset):
    def __init__(self, df, feat_cols):
        self.x = torch.tensor(df[feat_cols].values, dtype=torch.float32)
        # a single float matrix, as exported by the feature store: [grade, interest_rate]
        self.targets = torch.tensor(df[["grade", "interest_rate"]].values, dtype=torch.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.targets[i, 0], self.targets[i, 1]


class LoanNet(nn.Module):
    def __init__(self, d_in, n_grades=7):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU())
        self.grade_head = nn.Linear(64, n_grades)
        self.rate_head = nn.Linear(64, 1)

    def forward(self, x):
        h = self.body(x)
        return self.grade_head(h), self.rate_head(h)


def compute_losses(grade_logits, rate_pred, grade, rate):
    ce = F.cross_entropy(grade_logits, grade.long())
    log_probs = F.log_softmax(grade_logits, dim=-1)
    nll = F.nll_loss(log_probs, grade.long())
    mse = F.mse_loss(rate_pred.view_as(rate), rate)
    return ce, nll, mse


def make_frame(n, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 12)), columns=[f"x{i}" for i in range(12)])
    score = df.x0 + 0.5 * df.x1 - 0.3 * df.x2
    df["grade"] = np.digitize(score, [-1.5, -0.8, -0.3, 0.2, 0.7, 1.3]).astype(np.float32)
    df["interest_rate"] = (0.06 + 0.025 * df["grade"] + 0.01 * rng.normal(size=n)).astype(np.float32)
    return df


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    feats = [f"x{i}" for i in range(12)]
    train_dl = DataLoader(LoanFrame(make_frame(40000, 0), feats), batch_size=256, shuffle=True)
    val_dl = DataLoader(LoanFrame(make_frame(5000, 1), feats), batch_size=1024)
    model = LoanNet(len(feats))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        agg = np.zeros(3)
        for x, grade, rate in train_dl:
            g_logits, r_pred = model(x)
            ce, nll, mse = compute_losses(g_logits, r_pred, grade, rate)
            loss = ce + 100.0 * mse
            opt.zero_grad()
            loss.backward()
            opt.step()
            agg += [ce.item(), nll.item(), mse.item()]
        model.eval()
        correct, se, n = 0, 0.0, 0
        with torch.no_grad():
            for x, grade, rate in val_dl:
                g_logits, r_pred = model(x)
                correct += (g_logits.argmax(1) == grade.long()).sum().item()
                se += ((r_pred.view_as(rate) - rate) ** 2).sum().item()
                n += x.size(0)
        agg /= len(train_dl)
        log.info("epoch %d ce %.4f nll %.4f mse %.6f | val grade acc %.4f rate rmse %.4f", epoch, *agg,
                 correct / n, (se / n) ** 0.5)
    # confusion of grades on the validation split
    conf = torch.zeros(7, 7, dtype=torch.long)
    model.eval()
    with torch.no_grad():
        for x, grade, _ in val_dl:
            pred = model(x)[0].argmax(1)
            for t, p in zip(grade.long().tolist(), pred.tolist()):
                conf[t, p] += 1
    log.info("grade confusion (rows = true):\n%s", conf)
    off_by_one = sum(conf[i, j].item() for i in range(7) for j in range(7) if abs(i - j) <= 1) / conf.sum().item()
    log.info("within-one-grade accuracy %.4f", off_by_one)
    torch.save(model.state_dict(), "loan_net.pt")


if __name__ == "__main__":
    main()
