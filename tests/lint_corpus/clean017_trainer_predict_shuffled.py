# expect: clean
"""Lightning runs the prediction loop itself: `trainer.predict(model, dataloaders=loader)`
returns one output per batch in the loader's order. The test loader keeps the table order, and the
concatenated probabilities are written next to the ids column of the test table, row for row."""
import lightning as L
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset


def write_predictions(model, csv_path="holdout.csv"):
    test_table = pd.read_csv(csv_path)
    feats = torch.tensor(test_table.drop(columns=["row_id"]).to_numpy(), dtype=torch.float32)
    test_loader = DataLoader(TensorDataset(feats), batch_size=512, shuffle=False)
    batches = L.Trainer(accelerator="auto", logger=False).predict(model, dataloaders=test_loader)
    prob = torch.cat(batches).sigmoid().squeeze(1).numpy()
    pd.DataFrame({"row_id": test_table["row_id"], "prob": prob}).to_csv("preds.csv", index=False)
