# expect: TVL003
import torch

scaler = torch.amp.GradScaler("cuda")
opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
for x, y in loader:
    with torch.autocast("cuda"):
        loss = criterion(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
