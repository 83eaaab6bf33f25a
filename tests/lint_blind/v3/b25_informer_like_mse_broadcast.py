# expect: TVL009
# style: Informer/Autoformer-style forecasting experiment class (Exp_Main with _get_data/_select_optimizer/train/vali)
# bug: the single-step head is nn.Linear(d_model, 1) giving (B, 1) while the target y is (B,), so MSELoss broadcasts to (B, B)
import argparse
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Dataset_Custom(Dataset):
    def __init__(self, data, seq_len):
        self.data = data.astype(np.float32)
        self.seq_len = seq_len

    def __len__(self):
        return len(self.data) - self.seq_len - 1

    def __getitem__(self, i):
        x = self.data[i:i + self.seq_len]            # (seq_len, enc_in)
        y = self.data[i + self.seq_len, -1]          # scalar: next value of the target column
        return torch.from_numpy(x), torch.tensor(y)


class Model(nn.Module):
    def __init__(self, enc_in, d_model, n_heads, e_layers):
        super().__init__()
        self.embed = nn.Linear(enc_in, d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, 4 * d_model, dropout=0.05, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, e_layers)
        self.projection = nn.Linear(d_model, 1)

    def forward(self, x_enc):
        enc_out = self.encoder(self.embed(x_enc))
        return self.projection(enc_out[:, -1, :])


class Exp_Main:
    def __init__(self, args):
        self.args = args
        self.model = Model(args.enc_in, args.d_model, args.n_heads, args.e_layers)
        series = np.cumsum(np.random.randn(6000, args.enc_in), axis=0)
        self.train_data = Dataset_Custom(series[:5000], args.seq_len)
        self.vali_data = Dataset_Custom(series[5000:], args.seq_len)

    def _select_optimizer(self):
        return torch.optim.Adam(self.model.parameters(), lr=self.args.learning_rate)

    def vali(self, loader, criterion):
        self.model.eval()
        total = []
        with torch.no_grad():
            for batch_x, batch_y in loader:
                total.append(criterion(self.model(batch_x), batch_y).item())
        self.model.train()
        return np.average(total)

    def train(self):
        train_loader = DataLoader(self.train_data, batch_size=self.args.batch_size, shuffle=True, drop_last=True)
        vali_loader = DataLoader(self.vali_data, batch_size=self.args.batch_size, shuffle=False)
        model_optim, criterion = self._select_optimizer(), nn.MSELoss()
        for epoch in range(self.args.train_epochs):
            self.model.train()
            train_loss = []
            for batch_x, batch_y in train_loader:
                model_optim.zero_grad()
                outputs = self.model(batch_x)
                loss = criterion(outputs, batch_y)
                train_loss.append(loss.item())
                loss.backward()
                model_optim.step()
            print(f"Epoch: {epoch + 1} | Train Loss: {np.average(train_loss):.7f} Vali Loss: {self.vali(vali_loader, criterion):.7f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Transformer family for time series forecasting")
    parser.add_argument("--seq_len", type=int, default=96)
    parser.add_argument("--enc_in", type=int, default=7)
    parser.add_argument("--d_model", type=int, default=64)
    parser.add_argument("--n_heads", type=int, default=4)
    parser.add_argument("--e_layers", type=int, default=2)
    parser.add_argument("--train_epochs", type=int, default=10)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--learning_rate", type=float, default=1e-4)
    Exp_Main(parser.parse_args()).train()
