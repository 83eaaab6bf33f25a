# expect: clean
# A home-made stand-in for a mixed-precision launcher: its clip method unscales first (given
# the optimizer), then clips; its step() only steps and updates.
import torch


class Launcher:
    def __init__(self):
        self.amp_scaler = torch.amp.GradScaler("cuda")

    def backward(self, loss):
        self.amp_scaler.scale(loss).backward()

    def clip_grads(self, optimizer, params, limit):
        self.amp_scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(params, limit)

    def step(self, optimizer):
        self.amp_scaler.step(optimizer)
        self.amp_scaler.update()


launcher = Launcher()
model = build_model().cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4)
for src, tgt in train_batches:
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = model(src, labels=tgt).loss
    launcher.backward(loss)
    launcher.clip_grads(optimizer, model.parameters(), 1.0)
    launcher.step(optimizer)
    optimizer.zero_grad()
