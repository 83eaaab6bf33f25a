# expect: TVL015
from torch.utils.data import DataLoader

train_loader = DataLoader(train_dataset, batch_size=64, num_workers=4)
val_loader = DataLoader(val_dataset, batch_size=256)
