# expect: clean
# The running sum holds plain floats, zeroed every 50 steps.
import torch

running = 0.0
for step, (x, y) in enumerate(loader):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(net(x), y)
    loss.backward()
    opt.step()
    running = running + loss.item()
    if step % 50 == 49:
        print(f"step {step + 1}: {running / 50:.4f}")
        running = 0.0
