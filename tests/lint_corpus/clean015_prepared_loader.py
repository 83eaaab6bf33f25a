# expect: clean
# The same prepared loader, built with shuffle=True.
import torch
from accelerate import Accelerator
from torch.utils.data import DataLoader

acc = Accelerator(mixed_precision="bf16")
feed = DataLoader(records, batch_size=24, num_workers=4, collate_fn=pack, shuffle=True)
net, optim, feed = acc.prepare(net, optim, feed)
for batch in feed:
    out = net(**batch)
    acc.backward(out.loss)
    optim.step()
    optim.zero_grad()
