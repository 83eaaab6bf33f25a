# expect: TVL003
# style: callback/hook runner (fastai-like), speech command classification on MFCC features
# bug: the GradHygiene callback clears gradients in after_backward, which the runner invokes between loss.backward() and optimizer.step().
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Callback:
    def before_fit(self, run): pass
    def before_batch(self, run): pass
    def after_backward(self, run): pass
    def after_step(self, run): pass
    def after_epoch(self, run): pass


class GradHygiene(Callback):
    """Make sure stale gradients never leak into the next batch."""
    def after_backward(self, run):
        run.opt.zero_grad(set_to_none=True)


class GradClip(Callback):
    def __init__(self, max_norm=5.0):
        self.max_norm = max_norm

    def after_backward(self, run):
        nn.utils.clip_grad_norm_(run.model.parameters(), self.max_norm)


class Printer(Callback):
    def after_epoch(self, run):
        print(f"epoch {run.epoch}: loss {run.epoch_loss / run.n_batches:.4f}")


class Runner:
    def __init__(self, model, opt, loss_fn, callbacks):
        self.model, self.opt, self.loss_fn = model, opt, loss_fn
        self.cbs = callbacks

    def _call(self, name):
        for cb in self.cbs:
            getattr(cb, name)(self)

    def one_batch(self, xb, yb):
        self._call("before_batch")
        self.loss = self.loss_fn(self.model(xb), yb)
        self.loss.backward()
        self._call("after_backward")
        self.opt.step()
        self._call("after_step")
        self.epoch_loss += self.loss.item()
        self.n_batches += 1

    def fit(self, loader, epochs):
        self._call("before_fit")
        for self.epoch in range(epochs):
            self.model.train()
            self.epoch_loss, self.n_batches = 0.0, 0
            for xb, yb in loader:
                self.one_batch(xb, yb)
            self._call("after_epoch")


class KWSNet(nn.Module):
    def __init__(self, n_mfcc=40, n_classes=12):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mfcc, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
        )
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.fc(self.conv(x).mean(-1))


if __name__ == "__main__":
    feats = torch.randn(3000, 40, 101)
    labels = torch.randint(0, 12, (3000,))
    dl = DataLoader(TensorDataset(feats, labels), batch_size=64, shuffle=True)
    model = KWSNet()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    runner = Runner(model, opt, nn.CrossEntropyLoss(), [GradClip(), GradHygiene(), Printer()])
    runner.fit(dl, epochs=5)
