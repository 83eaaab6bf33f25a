# expect: clean
# style: engine with separate train_step / eval_step functions and a shared forward helper; speech emotion recognition
# note: torch.inference_mode() wraps only eval_step, and the shared forward_batch() helper carries no grad-disabling decorator, so the training forward builds a graph
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ser")
EMOTIONS = ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"]


class AttnPoolSER(nn.Module):
    def __init__(self, n_mels=80, hidden=192):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mels, hidden, 5, padding=2), nn.BatchNorm1d(hidden), nn.ReLU(),
                                  nn.Conv1d(hidden, hidden, 5, padding=2), nn.BatchNorm1d(hidden), nn.ReLU())
        self.att = nn.Linear(hidden, 1)
        self.fc = nn.Linear(hidden, len(EMOTIONS))

    def forward(self, mel):
        h = self.conv(mel).transpose(1, 2)
        w = torch.softmax(self.att(h), dim=1)
        return self.fc((w * h).sum(1))


def forward_batch(model, batch, device):
    mel, y = batch
    mel, y = mel.to(device), y.to(device)
    logits = model(mel)
    return logits, y


def train_step(model, batch, optimizer, device):
    logits, y = forward_batch(model, batch, device)
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


@torch.inference_mode()
def eval_step(model, batch, device):
    logits, y = forward_batch(model, batch, device)
    return (logits.argmax(-1) == y).sum().item(), y.numel()


def run(args):
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    mel, lab = torch.randn(3000, 80, 300), torch.randint(0, len(EMOTIONS), (3000,))
    tr = DataLoader(TensorDataset(mel[:2600], lab[:2600]), batch_size=args.bs, shuffle=True, drop_last=True)
    va = DataLoader(TensorDataset(mel[2600:], lab[2600:]), batch_size=128)
    model = AttnPoolSER().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for ep in range(args.epochs):
        t0 = time.time()
        model.train()
        losses = [train_step(model, b, opt, dev) for b in tr]
        model.eval()
        hits, n = map(sum, zip(*(eval_step(model, b, dev) for b in va)))
        log.info("epoch %d loss %.4f UA %.4f (%.1fs)", ep, sum(losses) / len(losses), hits / n, time.time() - t0)
    torch.save(model.state_dict(), args.out)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="ser.pt")
    run(ap.parse_args())
