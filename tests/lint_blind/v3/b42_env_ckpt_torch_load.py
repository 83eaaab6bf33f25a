# expect: TVL014
# style: cluster/SLURM-oriented training script configured by environment variables (CKPT_DIR, INIT_CKPT), Kaggle-style tabular transformer
# bug: the initial checkpoint path comes from os.environ["INIT_CKPT"] and is opened with torch.load without weights_only=True
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

EPOCHS = int(os.environ.get("EPOCHS", 10))
LR = float(os.environ.get("LR", 1e-3))
CKPT_DIR = os.environ.get("CKPT_DIR", "./ckpt")
INIT_CKPT = os.environ.get("INIT_CKPT")


class FTTransformerLite(nn.Module):
    def __init__(self, n_num, d=64, n_layers=2, n_out=2):
        super().__init__()
        self.num_w = nn.Parameter(torch.randn(n_num, d) * 0.02)
        self.num_b = nn.Parameter(torch.zeros(n_num, d))
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        layer = nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, n_layers)
        self.out = nn.Linear(d, n_out)

    def forward(self, x_num):
        tok = x_num.unsqueeze(-1) * self.num_w + self.num_b
        tok = torch.cat([self.cls.expand(x_num.size(0), -1, -1), tok], dim=1)
        return self.out(self.enc(tok)[:, 0])


def main():
    os.makedirs(CKPT_DIR, exist_ok=True)
    model = FTTransformerLite(n_num=12)
    if INIT_CKPT:
        state = torch.load(INIT_CKPT, map_location="cpu")
        model.load_state_dict(state["model"])
        print(f"initialized from {INIT_CKPT}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-5)
    x = torch.randn(8000, 12)
    y = (x[:, 0] + x[:, 1] > 0).long()
    loader = DataLoader(TensorDataset(x, y), batch_size=256, shuffle=True)
    for epoch in range(EPOCHS):
        model.train()
        correct, seen = 0, 0
        for xb, yb in loader:
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            correct += (logits.argmax(1) == yb).sum().item()
            seen += yb.numel()
        print(f"epoch {epoch} loss {loss.item():.4f} train_acc {correct / seen:.4f}")
        torch.save({"model": model.state_dict(), "epoch": epoch}, os.path.join(CKPT_DIR, f"epoch{epoch}.pt"))


if __name__ == "__main__":
    main()
