# expect: TVL015
from torch.utils.data import DataLoader


class DataModule:
    def train_dataloader(self):
        self.train_dl = DataLoader(self.ds, batch_size=32, pin_memory=True)
        return self.train_dl
