# expect: clean
# style: fastai-like Learner class with a scheduler factory, image regression (age estimation from faces)
# note: the OneCycleLR scheduler is stepped every batch inside a helper method, which is correct because OneCycleLR is defined in steps (epochs * steps_per_epoch), and it is stepped after optimizer.step().
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def build_scheduler(opt, max_lr, epochs, steps_per_epoch):
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps_per_epoch,
                                               pct_start=0.25, div_factor=25.0, final_div_factor=1e4)


class AgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.age = nn.Linear(128, 1)

    def forward(self, x):
        return self.age(self.body(x)).squeeze(1)


class Learner:
    def __init__(self, model, train_dl, valid_dl, lr=1e-3):
        self.model, self.train_dl, self.valid_dl = model, train_dl, valid_dl
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
        self.sched = None

    def _one_batch(self, xb, yb):
        self.opt.zero_grad()
        loss = F.l1_loss(self.model(xb), yb)
        loss.backward()
        self.opt.step()
        self.sched.step()
        return loss.item()

    def _validate(self):
        self.model.eval()
        with torch.no_grad():
            errs = torch.cat([(self.model(xb) - yb).abs() for xb, yb in self.valid_dl])
        return errs.mean().item()

    def fit_one_cycle(self, epochs, max_lr):
        self.sched = build_scheduler(self.opt, max_lr, epochs, len(self.train_dl))
        for epoch in range(epochs):
            self.model.train()
            losses = [self._one_batch(xb, yb) for xb, yb in self.train_dl]
            mae = self._validate()
            print(f"epoch {epoch} train_l1 {sum(losses) / len(losses):.3f} valid_mae {mae:.3f} "
                  f"lr {self.sched.get_last_lr()[0]:.2e}")


if __name__ == "__main__":
    faces = torch.randn(3000, 3, 64, 64)
    ages = torch.randint(1, 90, (3000,)).float()
    train_dl = DataLoader(TensorDataset(faces[:2600], ages[:2600]), batch_size=64, shuffle=True)
    valid_dl = DataLoader(TensorDataset(faces[2600:], ages[2600:]), batch_size=200)
    Learner(AgeNet(), train_dl, valid_dl).fit_one_cycle(epochs=12, max_lr=3e-3)
