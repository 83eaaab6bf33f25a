# expect: clean
# style: beginner-ish depth-estimation script; numpy metrics computed from detached predictions each step
# note: `.detach().cpu().numpy()` and `.item()` are used right next to the loss (TVL002 look-alike), but only to compute logged metrics; the backpropagated loss is computed from the live prediction tensor
import os
import time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(11)

N, H, W = 3000, 64, 80
rgb = torch.rand(N, 3, H, W)
depth = (rgb.mean(1, keepdim=True) * 8 + 0.5).clamp(0.1, 10.0)
train_loader = DataLoader(TensorDataset(rgb[:2600], depth[:2600]), batch_size=16, shuffle=True)
val_loader = DataLoader(TensorDataset(rgb[2600:], depth[2600:]), batch_size=32)


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU())
        self.e2 = nn.Sequential(nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.d1 = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU())
        self.d2 = nn.ConvTranspose2d(64, 1, 4, 2, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(a)
        c = self.d1(b)
        return F.softplus(self.d2(torch.cat([c, a], 1))) + 0.1


def scale_invariant_loss(pred, gt, lam=0.85):
    d = torch.log(pred) - torch.log(gt)
    return (d.pow(2).mean(dim=(1, 2, 3)) - lam * d.mean(dim=(1, 2, 3)).pow(2)).mean()


def depth_metrics(pred_np, gt_np):
    ratio = np.maximum(pred_np / gt_np, gt_np / pred_np)
    return {
        "abs_rel": float(np.mean(np.abs(pred_np - gt_np) / gt_np)),
        "rmse": float(np.sqrt(np.mean((pred_np - gt_np) ** 2))),
        "delta1": float(np.mean(ratio < 1.25)),
    }


def colorize(depth_map, vmin=0.1, vmax=10.0):
    """Map a (H, W) depth array to an RGB uint8 image with a simple blue->red ramp."""
    d = np.clip((depth_map - vmin) / (vmax - vmin), 0, 1)
    rgb_img = np.stack([d, 0.5 * np.ones_like(d) * (1 - d), 1 - d], -1)
    return (rgb_img * 255).astype(np.uint8)


def save_preview(model, loader, path, n=4):
    model.eval()
    with torch.no_grad():
        img, gt = next(iter(loader))
        pred = model(img[:n].to(device)).cpu().numpy()
    model.train()
    tiles = [np.concatenate([colorize(gt[i, 0].numpy()), colorize(pred[i, 0])], 1) for i in range(n)]
    np.save(path, np.concatenate(tiles, 0))


model = DepthNet().to(device)
best_absrel = float("inf")
optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)
EPOCHS = 20

for epoch in range(EPOCHS):
    model.train()
    t0 = time.time()
    logs = {"loss": [], "abs_rel": [], "delta1": []}
    for img, gt in train_loader:
        img, gt = img.to(device), gt.to(device)
        pred = model(img)
        loss = scale_invariant_loss(pred, gt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        m = depth_metrics(pred.detach().cpu().numpy(), gt.cpu().numpy())
        logs["loss"].append(loss.item())
        logs["abs_rel"].append(m["abs_rel"])
        logs["delta1"].append(m["delta1"])

    model.eval()
    val = {"abs_rel": [], "rmse": [], "delta1": []}
    with torch.no_grad():
        for img, gt in val_loader:
            m = depth_metrics(model(img.to(device)).cpu().numpy(), gt.numpy())
            for k in val:
                val[k].append(m[k])
    print(f"epoch {epoch + 1}/{EPOCHS} loss {np.mean(logs['loss']):.4f} train absrel {np.mean(logs['abs_rel']):.3f} "
          f"| val absrel {np.mean(val['abs_rel']):.3f} rmse {np.mean(val['rmse']):.3f} "
          f"d1 {np.mean(val['delta1']):.3f} | {time.time() - t0:.0f}s")
    if np.mean(val["abs_rel"]) < best_absrel:
        best_absrel = float(np.mean(val["abs_rel"]))
        os.makedirs("depth_ckpt", exist_ok=True)
        torch.save(model.state_dict(), "depth_ckpt/best.pt")
        save_preview(model, val_loader, "depth_ckpt/preview.npy")

os.makedirs("depth_ckpt", exist_ok=True)
torch.save(model.state_dict(), "depth_ckpt/depthnet.pt")
