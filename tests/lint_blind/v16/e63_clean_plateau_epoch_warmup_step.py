# expect: clean
# style: config-dict training of a scene-text recognition CRNN (CTC) with two schedulers (per-step warmup, per-epoch plateau)
# note: two schedulers look suspicious, but the warmup LambdaLR is iteration-based and stepped per batch after optimizer.step(), while ReduceLROnPlateau is stepped once per epoch with the validation loss
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("crnn")

CFG = {
    "lr": 1e-3,
    "epochs": 30,
    "warmup_iters": 300,
    "plateau": {"factor": 0.5, "patience": 2},
    "batch_size": 64,
    "n_chars": 37,
}


class CRNN(nn.Module):
    def __init__(self, n_chars):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, 1, 1), nn.BatchNorm2d(256), nn.ReLU(), nn.MaxPool2d((2, 1)))
        self.rnn = nn.LSTM(256 * 4, 256, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(512, n_chars + 1)

    def forward(self, x):
        f = self.cnn(x)  # B, C, H, W
        b, c, h, w = f.shape
        f = f.permute(0, 3, 1, 2).reshape(b, w, c * h)
        out, _ = self.rnn(f)
        return self.fc(out).log_softmax(-1)


def build_schedulers(opt, cfg):
    warm = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: min(1.0, (it + 1) / cfg["warmup_iters"]))
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", **cfg["plateau"])
    return warm, plateau


def ctc_batch_loss(model, imgs, targets, tgt_lens):
    logp = model(imgs)
    in_lens = torch.full((imgs.size(0),), logp.size(1), dtype=torch.long)
    return F.ctc_loss(logp.transpose(0, 1), targets, in_lens, tgt_lens, blank=0, zero_infinity=True)


def run(cfg=CFG):
    imgs = torch.randn(6000, 1, 32, 128)
    targets = torch.randint(1, cfg["n_chars"] + 1, (6000, 10))
    lens = torch.randint(3, 11, (6000,))
    train_loader = DataLoader(TensorDataset(imgs[:5400], targets[:5400], lens[:5400]),
                              batch_size=cfg["batch_size"], shuffle=True)
    val_loader = DataLoader(TensorDataset(imgs[5400:], targets[5400:], lens[5400:]), batch_size=256)
    model = CRNN(cfg["n_chars"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    warm, plateau = build_schedulers(opt, cfg)
    it = 0
    for epoch in range(cfg["epochs"]):
        model.train()
        for x, t, l in train_loader:
            loss = ctc_batch_loss(model, x, t, l)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            if it < cfg["warmup_iters"]:
                warm.step()
            it += 1
        model.eval()
        with torch.no_grad():
            val = sum(ctc_batch_loss(model, x, t, l).item() for x, t, l in val_loader) / len(val_loader)
        plateau.step(val)
        logger.info("epoch %d val ctc %.4f lr %.2e", epoch, val, opt.param_groups[0]["lr"])
    torch.save(model.state_dict(), "crnn.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run()
