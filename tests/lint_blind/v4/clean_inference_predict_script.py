# expect: clean
# style: standalone predict.py for a trained U-Net (inference only: no optimizer, no training loop)
# note: the model is only evaluated; torch.inference_mode() is correct here, the checkpoint from --model is loaded with weights_only=True, and the loader is not shuffled
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class UNetTiny(nn.Module):
    def __init__(self, n_classes=2):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.mid = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(32, 16, 2, 2)
        self.out = nn.Conv2d(32, n_classes, 1)

    def forward(self, x):
        e = self.enc(x)
        return self.out(torch.cat([e, self.up(self.mid(e))], 1))


def get_args():
    p = argparse.ArgumentParser(description="Predict masks from input images")
    p.add_argument("--model", "-m", default="MODEL.pth", metavar="FILE")
    p.add_argument("--mask-threshold", "-t", type=float, default=0.5)
    p.add_argument("--batch-size", type=int, default=8)
    return p.parse_args()


@torch.inference_mode()
def predict_masks(net, loader, threshold):
    net.eval()
    masks = []
    for (imgs,) in loader:
        probs = F.softmax(net(imgs), dim=1)[:, 1]
        masks.append((probs > threshold).to(torch.uint8))
    return torch.cat(masks)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    args = get_args()
    net = UNetTiny()
    state_dict = torch.load(args.model, map_location="cpu", weights_only=True)
    net.load_state_dict(state_dict)
    logging.info("Model loaded from %s", args.model)
    loader = DataLoader(TensorDataset(torch.randn(40, 3, 96, 96)), batch_size=args.batch_size, shuffle=False)
    masks = predict_masks(net, loader, args.mask_threshold)
    logging.info("predicted %d masks, mean foreground %.3f", len(masks), masks.float().mean().item())
