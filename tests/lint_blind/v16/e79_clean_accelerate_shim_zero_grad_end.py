# expect: clean
# style: accelerate-style loop (accumulate context, accelerator.backward) via a small local shim, LoRA-like adapter fine-tuning
# note: optimizer.zero_grad() is at the end of the loop body, after optimizer.step() (the accelerate examples' ordering), and the frozen base weights have requires_grad=False so the adapter-only optimizer is complete
import contextlib
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("lora")


class Accelerator:
    def __init__(self, gradient_accumulation_steps=1):
        self.gas = gradient_accumulation_steps
        self.step = 0
        self.sync_gradients = True
        self.device = "cuda" if torch.cuda.is_available() else "cpu"

    def prepare(self, model, optimizer, loader):
        return model.to(self.device), optimizer, loader

    @contextlib.contextmanager
    def accumulate(self, model):
        self.step += 1
        self.sync_gradients = self.step % self.gas == 0
        yield

    def backward(self, loss):
        (loss / self.gas).backward()


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r=8, alpha=16):
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        if self.base.bias is not None:
            self.base.bias.requires_grad_(False)
        self.A = nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))
        self.B = nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.A.t() @ self.B.t()) * self.scale


class Backbone(nn.Module):
    def __init__(self, d=512, n_cls=5):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, n_cls)

    def forward(self, x):
        return self.l3(F.gelu(self.l2(F.gelu(self.l1(x)))))


def inject_lora(model):
    model.l1 = LoRALinear(model.l1)
    model.l2 = LoRALinear(model.l2)
    for p in model.l3.parameters():
        p.requires_grad_(False)
    return model


def main(epochs=3, lr=1e-3):
    logging.basicConfig(level=logging.INFO)
    accelerator = Accelerator(gradient_accumulation_steps=4)
    model = inject_lora(Backbone())
    trainable = [p for p in model.parameters() if p.requires_grad]
    frozen = [p for p in model.parameters() if not p.requires_grad]
    logger.info("trainable %d / frozen %d tensors", len(trainable), len(frozen))
    optimizer = torch.optim.AdamW(trainable, lr=lr)
    loader = DataLoader(TensorDataset(torch.randn(8000, 512), torch.randint(0, 5, (8000,))), batch_size=32, shuffle=True)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    for epoch in range(epochs):
        model.train()
        for i, (x, y) in enumerate(loader):
            x, y = x.to(accelerator.device), y.to(accelerator.device)
            with accelerator.accumulate(model):
                loss = F.cross_entropy(model(x), y)
                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    optimizer.step()
                    optimizer.zero_grad()
            if i % 100 == 0:
                logger.info("epoch %d step %d loss %.4f", epoch, i, loss.item())
    torch.save({k: v for k, v in model.state_dict().items() if ".A" in k or ".B" in k}, "lora_adapter.pt")


if __name__ == "__main__":
    main()
