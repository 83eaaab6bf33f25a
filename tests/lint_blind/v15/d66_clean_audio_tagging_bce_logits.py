# expect: clean
# style: multi-label audio tagging (PANNs-like) with a model that returns both logits and clip-wise probabilities
# note: the model computes torch.sigmoid and the file uses BCEWithLogitsLoss, which looks like double sigmoid — but the loss is fed out["logits"]; the sigmoid output is only used for mAP and thresholded predictions
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("tagging")
N_TAGS = 24


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                  nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        return F.avg_pool2d(self.conv(x), 2)


class Tagger(nn.Module):
    def __init__(self, n_tags=N_TAGS):
        super().__init__()
        self.blocks = nn.Sequential(ConvBlock(1, 32), ConvBlock(32, 64), ConvBlock(64, 128))
        self.fc = nn.Linear(128, 128)
        self.out = nn.Linear(128, n_tags)

    def forward(self, mel):
        h = self.blocks(mel).mean(dim=3)
        h = h.max(dim=2).values + h.mean(dim=2)
        logits = self.out(F.dropout(F.relu(self.fc(h)), 0.5, self.training))
        return {"logits": logits, "clipwise": torch.sigmoid(logits)}


def mean_ap(scores, targets):
    aps = [average_precision_score(targets[:, k], scores[:, k]) for k in range(targets.shape[1]) if targets[:, k].any()]
    return float(np.mean(aps))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    mel = torch.randn(3000, 1, 64, 256)
    tags = (torch.rand(3000, N_TAGS) < 0.1).float()
    mel[:, 0, :N_TAGS, :8] += tags[:, :, None] * 2
    train_dl = DataLoader(TensorDataset(mel[:2600], tags[:2600]), batch_size=32, shuffle=True)
    eval_dl = DataLoader(TensorDataset(mel[2600:], tags[2600:]), batch_size=64)

    model = Tagger()
    criterion = nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), amsgrad=True)
    for epoch in range(args.epochs):
        model.train()
        losses = []
        for x, y in train_dl:
            out = model(x)
            loss = criterion(out["logits"], y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        model.eval()
        scores, targets = [], []
        with torch.no_grad():
            for x, y in eval_dl:
                scores.append(model(x)["clipwise"])
                targets.append(y)
        s, t = torch.cat(scores).numpy(), torch.cat(targets).numpy()
        f1_pred = (s > 0.3).astype(np.float32)
        micro_f1 = 2 * (f1_pred * t).sum() / max(f1_pred.sum() + t.sum(), 1)
        logger.info("epoch %d loss %.4f mAP %.4f micro-F1 %.4f", epoch, np.mean(losses), mean_ap(s, t), micro_f1)
    torch.save(model.state_dict(), "tagger.pt")


if __name__ == "__main__":
    main()
