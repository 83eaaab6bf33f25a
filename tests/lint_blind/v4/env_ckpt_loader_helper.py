# expect: TVL014
# style: cluster job script (SLURM/torchrun env-var driven, MONAI-ish 3D segmentation) with a load_checkpoint() helper
# bug: the resume path comes from os.environ["RESUME_CKPT"] and load_checkpoint() calls torch.load(path, map_location=...) without weights_only=True
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
log = logging.getLogger("seg3d")


class Tiny3DUNet(nn.Module):
    def __init__(self, in_ch=1, n_cls=3, f=16):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv3d(in_ch, f, 3, padding=1), nn.InstanceNorm3d(f), nn.LeakyReLU())
        self.down = nn.Conv3d(f, 2 * f, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose3d(2 * f, f, 2, stride=2)
        self.head = nn.Conv3d(2 * f, n_cls, 1)

    def forward(self, x):
        e = self.enc(x)
        return self.head(torch.cat([e, self.up(F.leaky_relu(self.down(e)))], dim=1))


def dice_loss(logits, target, eps=1e-5):
    probs = logits.softmax(1)
    onehot = F.one_hot(target, probs.size(1)).permute(0, 4, 1, 2, 3).float()
    inter = (probs * onehot).sum((2, 3, 4))
    return 1 - ((2 * inter + eps) / (probs.sum((2, 3, 4)) + onehot.sum((2, 3, 4)) + eps)).mean()


def load_checkpoint(path, model, optimizer):
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state.get("epoch", 0) + 1


def main():
    max_epochs = int(os.environ.get("MAX_EPOCHS", "50"))
    out_dir = os.environ.get("OUT_DIR", "./runs")
    model = Tiny3DUNet()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-5)
    start_epoch = 0
    resume = os.environ.get("RESUME_CKPT")
    if resume:
        start_epoch = load_checkpoint(resume, model, optimizer)
        log.info("resumed from %s at epoch %d", resume, start_epoch)
    ds = TensorDataset(torch.randn(16, 1, 32, 32, 32), torch.randint(0, 3, (16, 32, 32, 32)))
    loader = DataLoader(ds, batch_size=2, shuffle=True)
    for epoch in range(start_epoch, max_epochs):
        model.train()
        epoch_loss = 0.0
        for img, seg in loader:
            optimizer.zero_grad()
            loss = dice_loss(model(img), seg) + F.cross_entropy(model(img), seg)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        log.info("epoch %d average loss: %.4f", epoch + 1, epoch_loss / len(loader))
        os.makedirs(out_dir, exist_ok=True)
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch},
                   os.path.join(out_dir, "last.pt"))


if __name__ == "__main__":
    main()
