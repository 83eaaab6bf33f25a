# expect: TVL010
# style: Informer/Autoformer-style forecasting decoder using nn.MultiheadAttention with a causal-mask helper
# bug: causal_mask() returns torch.tril(ones).bool() (True on and below the diagonal) and it is passed as attn_mask to nn.MultiheadAttention, where True means "blocked" — each step can see only the future
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def causal_mask(L, device=None):
    return torch.tril(torch.ones(L, L, device=device)).bool()


class DecoderLayer(nn.Module):
    def __init__(self, d_model=128, n_heads=8, d_ff=256, dropout=0.05):
        super().__init__()
        self.self_attention = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.conv1 = nn.Conv1d(d_model, d_ff, 1)
        self.conv2 = nn.Conv1d(d_ff, d_model, 1)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

    def forward(self, x, x_mask):
        x = self.norm1(x + self.self_attention(x, x, x, attn_mask=x_mask)[0])
        y = self.conv2(F.gelu(self.conv1(x.transpose(-1, 1)))).transpose(-1, 1)
        return self.norm2(x + y)


class ARForecaster(nn.Module):
    def __init__(self, c_in=7, d_model=128, e_layers=2):
        super().__init__()
        self.value_embedding = nn.Linear(c_in, d_model)
        self.position = nn.Parameter(torch.randn(1, 512, d_model) * 0.02)
        self.layers = nn.ModuleList(DecoderLayer(d_model) for _ in range(e_layers))
        self.projection = nn.Linear(d_model, c_in)

    def forward(self, x_dec):
        L = x_dec.size(1)
        h = self.value_embedding(x_dec) + self.position[:, :L]
        mask = causal_mask(L, x_dec.device)
        for layer in self.layers:
            h = layer(h, mask)
        return self.projection(h)


class Exp_Main:
    def __init__(self, args):
        self.args = args
        self.model = ARForecaster(c_in=args.enc_in)

    def train(self, loader):
        model_optim = torch.optim.Adam(self.model.parameters(), lr=self.args.learning_rate)
        criterion = nn.MSELoss()
        for epoch in range(self.args.train_epochs):
            self.model.train()
            train_loss = []
            for batch_x, batch_y in loader:
                model_optim.zero_grad()
                outputs = self.model(batch_x)
                loss = criterion(outputs, batch_y)
                train_loss.append(loss.item())
                loss.backward()
                model_optim.step()
            print(f"Epoch: {epoch + 1} | Train Loss: {sum(train_loss) / len(train_loss):.7f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="Autoformer-ish")
    p.add_argument("--enc_in", type=int, default=7)
    p.add_argument("--learning_rate", type=float, default=1e-4)
    p.add_argument("--train_epochs", type=int, default=3)
    args = p.parse_args()
    series = torch.randn(1000, 97, args.enc_in)
    loader = DataLoader(TensorDataset(series[:, :-1], series[:, 1:]), batch_size=32, shuffle=True)
    Exp_Main(args).train(loader)
