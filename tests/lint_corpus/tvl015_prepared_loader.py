# expect: TVL015
# The loader goes through accelerator.prepare() with the model and optimizer and is trained on
# under the name prepare() hands back; it was built without shuffling.
import torch
from accelerate import Accelerator
from torch.utils.data import DataLoader

acc = Accelerator(mixed_precision="bf16")
feed = DataLoader(records, batch_size=24, num_workers=4, collate_fn=pack)
net, optim, feed = acc.prepare(net, optim, feed)
for batch in feed:
    out = net(**batch)
    acc.backward(out.loss)
    optim.step()
    optim.zero_grad()
