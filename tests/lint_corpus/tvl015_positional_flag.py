# expect: TVL015
# DataLoader's shuffle given positionally (its third parameter), as False, for the training set.
from torch.utils.data import DataLoader

train_batches = DataLoader(train_images, 100, False, num_workers=3)
