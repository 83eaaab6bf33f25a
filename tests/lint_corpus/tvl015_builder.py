# expect: TVL015
import torch
from torch.utils.data import DataLoader, TensorDataset


def make_loader(tensors, bs):
    return DataLoader(TensorDataset(*tensors), batch_size=bs, pin_memory=True)


X = torch.randn(5000, 12)
y = (X[:, 0] > 0).long()  # rows come sorted by the source table's date
train_dl = make_loader((X[:4000], y[:4000]), 64)
test_dl = make_loader((X[4000:], y[4000:]), 512)

clf = torch.nn.Linear(12, 2)
opt = torch.optim.SGD(clf.parameters(), lr=0.05)
for epoch in range(5):
    for xb, yb in train_dl:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(clf(xb), yb).backward()
        opt.step()
