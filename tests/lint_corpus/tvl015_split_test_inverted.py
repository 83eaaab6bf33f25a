# expect: TVL015
"""Both loaders come from one comprehension, with `shuffle` worked out from the split name. The
test is the wrong way round (`split != "train"`), so the validation loader shuffles and the
training loader does not."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

data = {
    "train": TensorDataset(torch.randn(4000, 3, 8, 8), torch.randint(0, 10, (4000,))),
    "valid": TensorDataset(torch.randn(500, 3, 8, 8), torch.randint(0, 10, (500,))),
}
loaders = {split: DataLoader(ds, batch_size=100, shuffle=split != "train") for split, ds in data.items()}
net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
for epoch in range(5):
    net.train()
    for images, labels in loaders["train"]:
        opt.zero_grad()
        nn.functional.cross_entropy(net(images), labels).backward()
        opt.step()
