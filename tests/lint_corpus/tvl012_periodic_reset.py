# expect: TVL012
# The running sum is zeroed only when it is printed, every 50 steps: the 50 graphs in between stay alive.
import torch

running = 0.0
for step, (x, y) in enumerate(loader):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(net(x), y)
    loss.backward()
    opt.step()
    running = running + loss
    if step % 50 == 49:
        print(f"step {step + 1}: {running / 50:.4f}")
        running = 0.0
