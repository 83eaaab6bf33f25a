# expect: TVL016
# style: plain AMP training script, semantic segmentation (road scenes) on synthetic data
# bug: the loop calls scaler.scale(loss).backward() and scaler.step(optimizer) but never scaler.update(), so the loss scale is never adjusted after overflows or growth intervals.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = device == "cuda"
NUM_CLASSES = 19


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class FCN(nn.Module):
    def __init__(self, n_cls=NUM_CLASSES):
        super().__init__()
        self.enc = nn.Sequential(conv_bn(3, 32, 2), conv_bn(32, 64, 2), conv_bn(64, 128, 2), conv_bn(128, 128))
        self.cls = nn.Conv2d(128, n_cls, 1)

    def forward(self, x):
        h = self.cls(self.enc(x))
        return F.interpolate(h, size=x.shape[-2:], mode="bilinear", align_corners=False)


imgs = torch.randn(400, 3, 128, 256)
masks = torch.randint(0, NUM_CLASSES, (400, 128, 256))
masks[:, :10] = 255  # ego-vehicle hood is ignored
loader = DataLoader(TensorDataset(imgs, masks), batch_size=8, shuffle=True, drop_last=True)

model = FCN().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
max_iter = 20 * len(loader)
poly = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: (1 - it / max_iter) ** 0.9)

it = 0
for epoch in range(20):
    model.train()
    for x, m in loader:
        x, m = x.to(device, non_blocking=True), m.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
            out = model(x)
            loss = F.cross_entropy(out, m, ignore_index=255)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        poly.step()
        it += 1
        if it % 25 == 0:
            print(f"epoch {epoch} iter {it}/{max_iter} loss {loss.item():.4f} lr {poly.get_last_lr()[0]:.5f} "
                  f"scale {scaler.get_scale() if use_amp else 1.0}")

torch.save(model.state_dict(), "fcn_amp.pt")
with open("train_log.txt", "w") as f:
    f.write(f"iters={it} final_loss={loss.item():.4f}\n")
print("finished", it, "iterations")
