# expect: TVL014
# style: MONAI/medical-imaging finetune script with a utils-style load_pretrained() helper (strict=False, key remapping)
# bug: load_pretrained() calls torch.load(path) without weights_only=True and main() feeds it args.pretrained straight from the command line
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("finetune")


def load_pretrained(model, path, prefix="module."):
    ckpt = torch.load(path, map_location="cpu")
    state = ckpt.get("state_dict", ckpt)
    state = {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    logger.info("loaded %s: %d missing, %d unexpected keys", path, len(missing), len(unexpected))
    return model


class SegNet3D(nn.Module):
    def __init__(self, in_ch=1, out_ch=2, c=16):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv3d(in_ch, c, 3, padding=1), nn.InstanceNorm3d(c), nn.LeakyReLU(),
                                     nn.Conv3d(c, 2 * c, 3, stride=2, padding=1), nn.InstanceNorm3d(2 * c), nn.LeakyReLU())
        self.decoder = nn.Sequential(nn.ConvTranspose3d(2 * c, c, 2, stride=2), nn.LeakyReLU(), nn.Conv3d(c, out_ch, 1))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pretrained", type=str, required=True, help="path to a self-supervised checkpoint")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--lr", type=float, default=1e-4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    model = load_pretrained(SegNet3D(), args.pretrained)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-5)
    imgs = torch.randn(24, 1, 32, 32, 32)
    segs = torch.randint(0, 2, (24, 32, 32, 32))
    loader = DataLoader(TensorDataset(imgs, segs), batch_size=2, shuffle=True)
    ce = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        epoch_loss = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = ce(model(x), y)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        logger.info("epoch %d loss %.4f", epoch, epoch_loss / len(loader))


if __name__ == "__main__":
    main()
