# expect: TVL016
# style: mmcv-like Fp16OptimizerHook + GradClip helper, pose/landmark regression on faces
# bug: Fp16OptimizerHook.after_train_iter calls self.clip_grads(...) before self.scaler.unscale_(optimizer), so clipping is done on scaled gradients.
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("landmarks")


class FaceLandmarks(Dataset):
    def __init__(self, n, k=68, size=112, seed=0):
        self.n, self.k, self.size, self.seed = n, k, size, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 31337 + i)
        pts = torch.rand(self.k, 2, generator=g) * 0.6 + 0.2
        img = torch.randn(3, self.size, self.size, generator=g) * 0.1
        ij = (pts * self.size).long().clamp(0, self.size - 1)
        img[:, ij[:, 1], ij[:, 0]] = 1.0
        return img, pts.flatten()


class LandmarkNet(nn.Module):
    def __init__(self, k=68):
        super().__init__()
        ch = [3, 32, 64, 128, 256]
        self.features = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(a, b, 3, 2, 1), nn.BatchNorm2d(b), nn.PReLU(b)) for a, b in zip(ch[:-1], ch[1:])
        ])
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(256 * 7 * 7, 512), nn.PReLU(), nn.Linear(512, k * 2))

    def forward(self, x):
        return self.fc(self.features(x))


def wing_loss(pred, target, w=10.0, eps=2.0):
    d = (pred - target).abs() * 112
    c = w - w * torch.log(torch.tensor(1 + w / eps))
    return torch.where(d < w, w * torch.log1p(d / eps), d - c).mean()


class Fp16OptimizerHook:
    def __init__(self, grad_clip=None, enabled=True):
        self.grad_clip = grad_clip
        self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    def clip_grads(self, params):
        params = [p for p in params if p.requires_grad and p.grad is not None]
        if params:
            return nn.utils.clip_grad_norm_(params, **self.grad_clip)

    def after_train_iter(self, runner):
        runner.optimizer.zero_grad()
        self.scaler.scale(runner.outputs["loss"]).backward()
        if self.grad_clip is not None:
            grad_norm = self.clip_grads(runner.model.parameters())
            if grad_norm is not None:
                runner.log_buffer["grad_norm"] = float(grad_norm)
        self.scaler.unscale_(runner.optimizer)
        self.scaler.step(runner.optimizer)
        self.scaler.update()


class EpochRunner:
    def __init__(self, model, optimizer, hook, device, amp):
        self.model, self.optimizer, self.hook = model, optimizer, hook
        self.device, self.amp = device, amp
        self.outputs, self.log_buffer = {}, {}

    def train(self, loader, epoch):
        self.model.train()
        t0 = time.time()
        for i, (img, pts) in enumerate(loader):
            img, pts = img.to(self.device), pts.to(self.device)
            with torch.autocast("cuda", dtype=torch.float16, enabled=self.amp):
                pred = self.model(img)
            self.outputs = {"loss": wing_loss(pred.float(), pts)}
            self.hook.after_train_iter(self)
            if i % 50 == 0:
                logger.info("epoch %d iter %d loss %.4f grad_norm %.3f %.1fs", epoch, i,
                            self.outputs["loss"].item(), self.log_buffer.get("grad_norm", float("nan")), time.time() - t0)

    @torch.no_grad()
    def val(self, loader):
        self.model.eval()
        nme = [((self.model(img.to(self.device)).float().cpu() - pts).abs().mean()).item() for img, pts in loader]
        return sum(nme) / len(nme)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    amp = device == "cuda"
    model = LandmarkNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    hook = Fp16OptimizerHook(grad_clip=dict(max_norm=35, norm_type=2), enabled=amp)
    runner = EpochRunner(model, opt, hook, device, amp)
    train_dl = DataLoader(FaceLandmarks(3000), batch_size=32, shuffle=True, num_workers=2)
    val_dl = DataLoader(FaceLandmarks(300, seed=1), batch_size=64)
    for epoch in range(20):
        runner.train(train_dl, epoch)
        logger.info("epoch %d val NME %.4f", epoch, runner.val(val_dl))
    torch.save(model.state_dict(), "landmarks.pt")
