# expect: clean
# style: DeepSpeed-like engine wrapper written by hand (engine(batch), engine.backward(loss), engine.step()) with fp16 loss scaling via torch.amp and gradient accumulation boundaries
# note: __call__ goes through self.module(...); backward scales the loss; step() unscales, clips, steps, updates the scaler and zeroes grads only at accumulation boundaries
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Engine:
    def __init__(self, module, optimizer, grad_accum=1, clip=1.0, fp16=True):
        self.module, self.optimizer = module, optimizer
        self.grad_accum, self.clip = grad_accum, clip
        self.scaler = torch.amp.GradScaler("cuda", enabled=fp16)
        self.fp16 = fp16
        self.micro_steps = 0

    def __call__(self, *args, **kwargs):
        with torch.autocast("cuda", dtype=torch.float16, enabled=self.fp16):
            return self.module(*args, **kwargs)

    def is_gradient_accumulation_boundary(self):
        return (self.micro_steps + 1) % self.grad_accum == 0

    def backward(self, loss):
        self.scaler.scale(loss / self.grad_accum).backward()

    def step(self):
        if self.is_gradient_accumulation_boundary():
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.module.parameters(), self.clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.optimizer.zero_grad(set_to_none=True)
        self.micro_steps += 1


class PointwiseFFN(nn.Module):
    def __init__(self, d_in=64, d=512, n_out=10):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d), nn.GELU(), nn.Dropout(0.1), nn.Linear(d, d), nn.GELU(),
                                 nn.Linear(d, n_out))

    def forward(self, x):
        return self.net(x)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--grad_accum", type=int, default=4)
    args = ap.parse_args()
    model = PointwiseFFN().cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    engine = Engine(model, optimizer, grad_accum=args.grad_accum)
    loader = DataLoader(TensorDataset(torch.randn(16384, 64), torch.randint(0, 10, (16384,))), batch_size=64,
                        shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for x, y in loader:
            loss = F.cross_entropy(engine(x.cuda()), y.cuda())
            engine.backward(loss)
            engine.step()
            running += loss.item()
        print(f"epoch {epoch}: loss {running / len(loader):.4f} scale {engine.scaler.get_scale():.0f}")
