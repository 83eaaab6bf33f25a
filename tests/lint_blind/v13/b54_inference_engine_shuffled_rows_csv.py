# expect: TVL017
# style: inference runner class for a trained time-series classifier (sensor activity recognition); writes per-window predictions back onto the metadata table
# bug: InferenceRunner builds its loader via make_eval_loader(..., shuffle=True) (copied from the train factory) and then assigns the predictions column-wise to meta_df rows in original order
import argparse
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("har")
ACTIVITIES = ["walk", "upstairs", "downstairs", "sit", "stand", "lie"]


class WindowDS(Dataset):
    def __init__(self, signals, labels=None):
        self.signals = signals
        self.labels = labels

    def __len__(self):
        return len(self.signals)

    def __getitem__(self, i):
        x = torch.from_numpy(self.signals[i])
        y = -1 if self.labels is None else int(self.labels[i])
        return x, y


def make_eval_loader(ds, bs=256, shuffle=True, workers=2):
    return DataLoader(ds, batch_size=bs, shuffle=shuffle, num_workers=workers, pin_memory=True)


class HARNet(nn.Module):
    def __init__(self, ch=9, n_cls=len(ACTIVITIES)):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(ch, 64, 7, padding=3), nn.ReLU(), nn.BatchNorm1d(64),
                                  nn.Conv1d(64, 64, 5, padding=2), nn.ReLU(), nn.BatchNorm1d(64))
        self.gru = nn.GRU(64, 64, batch_first=True)
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        h, _ = self.gru(self.conv(x).transpose(1, 2))
        return self.fc(h[:, -1])


def quick_train(model, signals, labels, epochs=3):
    dl = DataLoader(WindowDS(signals, labels), batch_size=64, shuffle=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(epochs):
        model.train()
        for x, y in dl:
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        log.info("warmup epoch %d loss %.4f", ep, loss.item())


class InferenceRunner:
    def __init__(self, model, device="cpu", bs=256):
        self.model = model.to(device).eval()
        self.device = device
        self.bs = bs

    @torch.no_grad()
    def predict_proba(self, signals):
        loader = make_eval_loader(WindowDS(signals), bs=self.bs)
        out = []
        for x, _ in loader:
            out.append(torch.softmax(self.model(x.to(self.device)), -1).cpu().numpy())
        return np.concatenate(out)

    def annotate(self, meta_df, signals):
        probs = self.predict_proba(signals)
        meta_df = meta_df.copy()
        meta_df["pred"] = [ACTIVITIES[k] for k in probs.argmax(1)]
        meta_df["confidence"] = probs.max(1)
        return meta_df


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="har_predictions.csv")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    rng = np.random.default_rng(0)
    signals = rng.normal(size=(5000, 9, 128)).astype(np.float32)
    labels = rng.integers(0, len(ACTIVITIES), 5000)
    meta = pd.DataFrame({"subject": rng.integers(1, 31, 5000), "window_start_s": np.arange(5000) * 1.28,
                         "true": [ACTIVITIES[k] for k in labels]})
    model = HARNet()
    quick_train(model, signals[:4000], labels[:4000])
    annotated = InferenceRunner(model).annotate(meta.iloc[4000:], signals[4000:])
    log.info("window accuracy %.4f", (annotated["pred"] == annotated["true"]).mean())
    annotated.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
