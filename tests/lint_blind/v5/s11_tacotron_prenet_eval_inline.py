# expect: TVL004
# style: Tacotron-2-style mel decoder training script (NVIDIA tacotron2 train.py flavour), text-to-mel
# bug: the epoch loop calls model.eval() for the validation pass and never calls model.train(), so the prenet/postnet dropout stays off after the first epoch
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Prenet(nn.Module):
    def __init__(self, in_dim, sizes=(256, 256)):
        super().__init__()
        dims = [in_dim] + list(sizes)
        self.layers = nn.ModuleList(nn.Linear(i, o, bias=False) for i, o in zip(dims[:-1], dims[1:]))
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        for lin in self.layers:
            x = self.dropout(torch.relu(lin(x)))
        return x


class TinyTacotron(nn.Module):
    def __init__(self, n_symbols=148, emb=256, n_mels=80):
        super().__init__()
        self.embedding = nn.Embedding(n_symbols, emb)
        self.encoder = nn.LSTM(emb, emb // 2, batch_first=True, bidirectional=True)
        self.prenet = Prenet(n_mels)
        self.decoder = nn.LSTM(256 + emb, 512, batch_first=True)
        self.proj = nn.Linear(512, n_mels)
        self.postnet = nn.Sequential(nn.Conv1d(n_mels, 256, 5, padding=2), nn.Tanh(), nn.Dropout(0.5),
                                     nn.Conv1d(256, n_mels, 5, padding=2))

    def forward(self, text, mels_in):
        enc, _ = self.encoder(self.embedding(text))
        ctx = enc.mean(1, keepdim=True).expand(-1, mels_in.size(1), -1)
        dec, _ = self.decoder(torch.cat([self.prenet(mels_in), ctx], dim=-1))
        mel = self.proj(dec)
        return mel, mel + self.postnet(mel.transpose(1, 2)).transpose(1, 2)


def tacotron_loss(outputs, target):
    mel, mel_post = outputs
    return nn.functional.mse_loss(mel, target) + nn.functional.mse_loss(mel_post, target)


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=100)
parser.add_argument("--learning_rate", type=float, default=1e-3)
parser.add_argument("--grad_clip_thresh", type=float, default=1.0)
hparams = parser.parse_args()

text = torch.randint(1, 148, (640, 40))
mels = torch.randn(640, 120, 80)
train_loader = DataLoader(TensorDataset(text[:576], mels[:576]), batch_size=32, shuffle=True, drop_last=True)
val_loader = DataLoader(TensorDataset(text[576:], mels[576:]), batch_size=32)

model = TinyTacotron()
optimizer = torch.optim.Adam(model.parameters(), lr=hparams.learning_rate, weight_decay=1e-6)
iteration = 0
for epoch in range(hparams.epochs):
    for x, y in train_loader:
        y_in = torch.cat([torch.zeros_like(y[:, :1]), y[:, :-1]], dim=1)  # teacher forcing
        model.zero_grad()
        loss = tacotron_loss(model(x, y_in), y)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), hparams.grad_clip_thresh)
        optimizer.step()
        iteration += 1
        if iteration % 100 == 0:
            print(f"Train loss {iteration} {loss.item():.6f} Grad Norm {grad_norm:.6f}")

    model.eval()
    with torch.no_grad():
        val_loss = 0.0
        for x, y in val_loader:
            y_in = torch.cat([torch.zeros_like(y[:, :1]), y[:, :-1]], dim=1)
            val_loss += tacotron_loss(model(x, y_in), y).item()
    print(f"Validation loss {iteration}: {val_loss / len(val_loader):9f}")
