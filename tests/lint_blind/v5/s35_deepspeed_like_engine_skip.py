# expect: TVL011
# style: DeepSpeed-like engine wrapper written by hand (engine.backward / engine.step, gradient clipping inside the engine)
# bug: TrainEngine.step() returns early without stepping when the gradient norm is non-finite or above max_norm_skip, and nothing counts or reports the skipped steps
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TrainEngine:
    def __init__(self, model, optimizer, config):
        self.module, self.optimizer = model, optimizer
        self.clip = config.get("gradient_clipping", 1.0)
        self.max_norm_skip = config.get("max_norm_skip", 100.0)
        self.global_steps = 0

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def train(self):
        self.module.train()

    def backward(self, loss):
        loss.backward()

    def _grad_norm(self):
        return nn.utils.clip_grad_norm_(self.module.parameters(), self.clip)

    def step(self):
        norm = self._grad_norm()
        if not torch.isfinite(norm) or norm > self.max_norm_skip:
            self.optimizer.zero_grad(set_to_none=True)
            return
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.global_steps += 1


def initialize(model, config):
    opt_cfg = config["optimizer"]["params"]
    optimizer = torch.optim.AdamW(model.parameters(), **opt_cfg)
    return TrainEngine(model, optimizer, config), optimizer


class Regressor(nn.Module):
    def __init__(self, d_in=32, d_h=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d_h), nn.GELU(), nn.LayerNorm(d_h), nn.Linear(d_h, 8))

    def forward(self, x):
        return self.net(x)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--local_rank", type=int, default=-1)
    args = ap.parse_args()
    ds_config = {
        "train_micro_batch_size_per_gpu": 64,
        "gradient_clipping": 1.0,
        "max_norm_skip": 50.0,
        "optimizer": {"type": "AdamW", "params": {"lr": 3e-4, "weight_decay": 0.01}},
    }
    engine, _ = initialize(Regressor(), ds_config)
    data = TensorDataset(torch.randn(20000, 32), torch.randn(20000, 8))
    loader = DataLoader(data, batch_size=ds_config["train_micro_batch_size_per_gpu"], shuffle=True)
    for epoch in range(args.epochs):
        engine.train()
        for step, (x, y) in enumerate(loader):
            loss = F.mse_loss(engine(x), y)
            engine.backward(loss)
            engine.step()
            if step % 100 == 0:
                print(f"epoch {epoch} step {step} global_steps {engine.global_steps} loss {loss.item():.4f}")
