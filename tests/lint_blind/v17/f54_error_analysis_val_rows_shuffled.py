# expect: TVL017
# style: tabular regression pipeline with an Evaluator class that writes per-row error analysis joined to the validation dataframe
# bug: the validation loader is created with shuffle=True and Evaluator.per_row_report() assigns the concatenated predictions to val_df row by row, so the per-row errors and the "worst rows" report (and the RMSE computed from them) are mismatched.
import logging
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
log = logging.getLogger("taxi")


def make_trips(n, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "trip_id": np.arange(n) + seed * 10_000_000,
        "distance_km": rng.gamma(2.0, 2.5, n),
        "hour": rng.integers(0, 24, n),
        "passengers": rng.integers(1, 5, n),
        "pickup_zone": rng.integers(0, 50, n),
    })
    df["duration_min"] = 3 + 2.2 * df.distance_km * (1 + 0.3 * ((df.hour >= 7) & (df.hour <= 9))) + rng.normal(0, 2, n)
    return df


FEATURES = ["distance_km", "hour", "passengers", "pickup_zone"]


def to_tensors(df, stats=None):
    x = df[FEATURES].values.astype(np.float32)
    if stats is None:
        stats = (x.mean(0), x.std(0) + 1e-6)
    x = (x - stats[0]) / stats[1]
    y = df["duration_min"].values.astype(np.float32)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), stats


class Evaluator:
    def __init__(self, model, loader, df, out_dir):
        self.model, self.loader, self.df, self.out_dir = model, loader, df, out_dir

    @torch.no_grad()
    def _predict(self):
        self.model.eval()
        return np.concatenate([self.model(x).squeeze(-1).numpy() for x, _ in self.loader])

    def per_row_report(self, epoch):
        report = self.df[["trip_id", "distance_km", "hour", "duration_min"]].copy()
        report["pred"] = self._predict()
        report["abs_err"] = (report.pred - report.duration_min).abs()
        rmse = float(np.sqrt(((report.pred - report.duration_min) ** 2).mean()))
        os.makedirs(self.out_dir, exist_ok=True)
        report.sort_values("abs_err", ascending=False).head(200).to_csv(
            os.path.join(self.out_dir, f"worst_rows_ep{epoch}.csv"), index=False)
        by_hour = report.groupby("hour").abs_err.mean()
        return rmse, by_hour


def main():
    train_df, val_df = make_trips(50_000, 0), make_trips(8_000, 1)
    train_ds, stats = to_tensors(train_df)
    val_ds, _ = to_tensors(val_df, stats)
    train_dl = DataLoader(train_ds, batch_size=512, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=2048, shuffle=True)

    model = nn.Sequential(nn.Linear(len(FEATURES), 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.HuberLoss(delta=5.0)
    evaluator = Evaluator(model, val_dl, val_df, "analysis")

    for epoch in range(15):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            opt.zero_grad()
            loss = loss_fn(model(x).squeeze(-1), y)
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        rmse, by_hour = evaluator.per_row_report(epoch)
        log.info("epoch %d train_huber %.3f val_rmse %.3f worst_hour %d", epoch, tot / len(train_ds), rmse,
                 int(by_hour.idxmax()))
    torch.save(model.state_dict(), "taxi_duration.pt")


if __name__ == "__main__":
    main()
