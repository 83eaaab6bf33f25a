# expect: TVL016
# style: AMP mixed-precision training script (timm-ish), EfficientNet-like CNN on synthetic data
# bug: clip_grad_norm_ runs on the still-scaled gradients (no scaler.unscale_(optimizer) before it), so the max_norm threshold is applied to grads multiplied by the loss scale (~65536) and effectively clips every step.
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--clip-grad", type=float, default=1.0)
parser.add_argument("--amp", action="store_true", default=True)
args = parser.parse_args()
logging.basicConfig(level=logging.INFO)
_logger = logging.getLogger("train")


class MBConv(nn.Module):
    def __init__(self, c_in, c_out, expand=4, stride=1):
        super().__init__()
        mid = c_in * expand
        self.use_res = stride == 1 and c_in == c_out
        self.block = nn.Sequential(
            nn.Conv2d(c_in, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.SiLU(),
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid), nn.SiLU(),
            nn.Conv2d(mid, c_out, 1, bias=False), nn.BatchNorm2d(c_out),
        )

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_res else y


model = nn.Sequential(
    nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.SiLU(),
    MBConv(24, 24), MBConv(24, 40, stride=2), MBConv(40, 40), MBConv(40, 80, stride=2),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(80, 100),
)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model.to(device)

g = torch.Generator().manual_seed(0)
y = torch.randint(0, 100, (10000,), generator=g)
x = torch.randn(10000, 3, 64, 64, generator=g) + (y % 7).view(-1, 1, 1, 1) * 0.1
loader_train = DataLoader(TensorDataset(x[:9000], y[:9000]), batch_size=128, shuffle=True, drop_last=True)
loader_eval = DataLoader(TensorDataset(x[9000:], y[9000:]), batch_size=256)

optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
use_amp = args.amp and device.type == "cuda"
scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
lr_sched = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

for epoch in range(args.epochs):
    model.train()
    t0 = time.time()
    loss_sum, n = 0.0, 0
    for inp, target in loader_train:
        inp, target = inp.to(device, non_blocking=True), target.to(device, non_blocking=True)
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
            output = model(inp)
            loss = F.cross_entropy(output, target, label_smoothing=0.1)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if args.clip_grad is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad)
        scaler.step(optimizer)
        scaler.update()
        loss_sum += loss.item() * inp.size(0)
        n += inp.size(0)
    lr_sched.step()

    model.eval()
    top1 = 0
    with torch.no_grad(), torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
        for inp, target in loader_eval:
            top1 += (model(inp.to(device)).argmax(-1).cpu() == target).sum().item()
    _logger.info("Epoch %d  loss %.4f  top1 %.2f  lr %.2e  (%.1fs)", epoch, loss_sum / n,
                 100 * top1 / len(loader_eval.dataset), optimizer.param_groups[0]["lr"], time.time() - t0)

torch.save({"state_dict": model.state_dict(), "scaler": scaler.state_dict()}, "effnet_amp.pth")
