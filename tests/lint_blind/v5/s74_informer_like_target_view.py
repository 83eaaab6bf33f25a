# expect: clean
# style: Informer/Autoformer-style long-horizon forecasting repo (exp_main.py-like Exp class with _get_data / train / vali)
# note: the single-target head nn.Linear(d_model, 1) gives (B, L, 1) and the target is sliced as batch_y[..., -1:] so shapes match; vali() sets eval() and train() sets train() each epoch
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class SeriesWindows(Dataset):
    def __init__(self, data, seq_len, pred_len):
        self.data, self.seq_len, self.pred_len = data, seq_len, pred_len

    def __len__(self):
        return len(self.data) - self.seq_len - self.pred_len + 1

    def __getitem__(self, i):
        s = i + self.seq_len
        return self.data[i:s], self.data[s:s + self.pred_len]


class ConvTransformerForecaster(nn.Module):
    def __init__(self, enc_in, d_model, pred_len):
        super().__init__()
        self.pred_len = pred_len
        self.embed = nn.Conv1d(enc_in, d_model, 3, padding=1)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model, 8, 4 * d_model, batch_first=True), 2)
        self.len_proj = nn.Linear(1, pred_len)
        self.projection = nn.Linear(d_model, 1)

    def forward(self, x):
        h = self.enc(self.embed(x.transpose(1, 2)).transpose(1, 2))
        h = self.len_proj(h.mean(1, keepdim=True).transpose(1, 2)).transpose(1, 2)   # (B, pred_len, d)
        return self.projection(h)                                                     # (B, pred_len, 1)


class ExpMain:
    def __init__(self, args):
        self.args = args
        self.model = ConvTransformerForecaster(args.enc_in, args.d_model, args.pred_len)
        self.criterion = nn.MSELoss()
        self.optim = torch.optim.Adam(self.model.parameters(), lr=args.learning_rate)

    def _get_data(self, flag):
        data = torch.randn(4000, self.args.enc_in).cumsum(0) * 0.01
        part = data[:3200] if flag == "train" else data[3200:]
        return DataLoader(SeriesWindows(part, self.args.seq_len, self.args.pred_len),
                          batch_size=self.args.batch_size, shuffle=(flag == "train"), drop_last=(flag == "train"))

    def vali(self, loader):
        self.model.eval()
        with torch.no_grad():
            losses = [self.criterion(self.model(bx), by[..., -1:]).item() for bx, by in loader]
        return sum(losses) / len(losses)

    def train(self):
        train_loader, vali_loader = self._get_data("train"), self._get_data("val")
        for epoch in range(self.args.train_epochs):
            self.model.train()
            for batch_x, batch_y in train_loader:
                self.optim.zero_grad()
                loss = self.criterion(self.model(batch_x), batch_y[..., -1:])
                loss.backward()
                self.optim.step()
            for g in self.optim.param_groups:
                g["lr"] = self.args.learning_rate * (0.5 ** epoch)
            print(f"Epoch: {epoch + 1} | Train Loss: {loss.item():.6f} Vali Loss: {self.vali(vali_loader):.6f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--enc_in", type=int, default=7)
    p.add_argument("--d_model", type=int, default=64)
    p.add_argument("--seq_len", type=int, default=96)
    p.add_argument("--pred_len", type=int, default=24)
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--learning_rate", type=float, default=1e-4)
    p.add_argument("--train_epochs", type=int, default=10)
    ExpMain(p.parse_args()).train()
