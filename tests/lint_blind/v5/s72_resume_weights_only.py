# expect: clean
# style: SpeechBrain/ESPnet-like recipe with --resume and --init_param flags; frame-level voice activity detection
# note: every torch.load on a user-supplied path passes weights_only=True; checkpoints are saved as plain state dicts + ints so they load under weights_only
import argparse
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class VADNet(nn.Module):
    def __init__(self, n_mels=40, hidden=128):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mels, hidden, 5, padding=2), nn.ReLU(), nn.BatchNorm1d(hidden))
        self.rnn = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 2)

    def forward(self, feats):
        h = self.conv(feats.transpose(1, 2)).transpose(1, 2)
        h, _ = self.rnn(h)
        return self.out(h)


def get_parser():
    p = argparse.ArgumentParser()
    p.add_argument("--expdir", default="exp/vad")
    p.add_argument("--resume", default=None)
    p.add_argument("--init_param", default=None, help="pretrained encoder weights")
    p.add_argument("--max_epoch", type=int, default=30)
    return p


def main():
    args = get_parser().parse_args()
    os.makedirs(args.expdir, exist_ok=True)
    model = VADNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start_epoch = 0
    if args.init_param:
        state = torch.load(args.init_param, map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=False)
    if args.resume:
        ckpt = torch.load(args.resume, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        start_epoch = ckpt["epoch"] + 1
    feats = torch.randn(800, 300, 40)
    labels = (feats[:, :, 0] > 0).long()
    loader = DataLoader(TensorDataset(feats, labels), batch_size=16, shuffle=True)
    for epoch in range(start_epoch, args.max_epoch):
        model.train()
        total = 0.0
        for x, y in loader:
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, 2), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch}: loss {total / len(loader):.4f}")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch},
                   os.path.join(args.expdir, "checkpoint.pth"))


if __name__ == "__main__":
    main()
