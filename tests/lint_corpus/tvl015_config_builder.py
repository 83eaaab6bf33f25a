# expect: TVL015
# Loader settings per split in a dict(...) config; the factory passes the split's shuffle flag
# through, and the training split says False.
from torch.utils.data import DataLoader

SPLITS = dict(
    train=dict(batch_size=32, shuffle=False, pin_memory=True),
    valid=dict(batch_size=64, shuffle=False, pin_memory=True),
)


def make_loader(ds, split_cfg):
    return DataLoader(ds, batch_size=split_cfg["batch_size"], shuffle=split_cfg["shuffle"], pin_memory=split_cfg["pin_memory"])


train_dl = make_loader(train_set, SPLITS["train"])
valid_dl = make_loader(valid_set, SPLITS["valid"])
for xb, yb in train_dl:
    opt.zero_grad()
    crit(net(xb), yb).backward()
    opt.step()
