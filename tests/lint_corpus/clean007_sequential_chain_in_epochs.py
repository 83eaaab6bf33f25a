# expect: clean
# Warm-up then cosine decay, chained with SequentialLR; both parts and the switch point are
# counted in epochs, and the chain is advanced once at the end of each epoch.
import torch
import torch.nn as nn

EPOCHS, WARMUP_EPOCHS = 60, 5


def train(model, loader):
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    chain = torch.optim.lr_scheduler.SequentialLR(
        opt,
        schedulers=[
            torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=WARMUP_EPOCHS),
            torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS - WARMUP_EPOCHS),
        ],
        milestones=[WARMUP_EPOCHS],
    )
    for _ in range(EPOCHS):
        for x, y in loader:
            loss = nn.functional.huber_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        chain.step()


train(nn.Linear(10, 1), [(torch.randn(32, 10), torch.randn(32, 1))] * 40)
