# expect: clean
# style: stand-alone predict.py for a segmentation model (MONAI-like sliding window replaced by tiling), inference_mode + eval, no training at all
# note: nothing is trained here, so model.eval() without model.train() and forward under inference_mode are correct; the checkpoint path is loaded with weights_only=True
import argparse
import os

import numpy as np
import torch
import torch.nn as nn


class UNetLite(nn.Module):
    def __init__(self, in_ch=1, n_cls=3, c=16):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(in_ch, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.ReLU())
        self.down = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(2 * c, c, 2, stride=2)
        self.out = nn.Conv2d(2 * c, n_cls, 1)

    def forward(self, x):
        e = self.enc(x)
        return self.out(torch.cat([e, self.up(self.down(e))], 1))


def tile_predict(model, image, tile=128):
    H, W = image.shape[-2:]
    out = torch.zeros(1, 3, H, W)
    for y in range(0, H, tile):
        for x in range(0, W, tile):
            out[..., y:y + tile, x:x + tile] = model(image[..., y:y + tile, x:x + tile])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--input_dir", required=True)
    ap.add_argument("--output_dir", default="preds")
    args = ap.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    model = UNetLite()
    model.load_state_dict(torch.load(args.checkpoint, map_location="cpu", weights_only=True))
    model.eval()
    with torch.inference_mode():
        for name in sorted(os.listdir(args.input_dir)):
            if not name.endswith(".npy"):
                continue
            img = torch.from_numpy(np.load(os.path.join(args.input_dir, name))).float()[None, None]
            img = (img - img.mean()) / (img.std() + 1e-6)
            seg = tile_predict(model, img).argmax(1)[0].numpy().astype(np.uint8)
            np.save(os.path.join(args.output_dir, name.replace(".npy", "_seg.npy")), seg)
            print(f"{name}: classes present {np.unique(seg).tolist()}")


if __name__ == "__main__":
    main()
