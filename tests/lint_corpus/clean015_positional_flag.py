# expect: clean
# DataLoader's shuffle given positionally (its third parameter), as True, for the training set.
from torch.utils.data import DataLoader

train_batches = DataLoader(train_images, 100, True, num_workers=3)
