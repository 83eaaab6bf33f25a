# expect: TVL013
# style: Trainer class that wraps the model with a pre-forward input-normalisation hook, tabular fraud detection
# bug: Trainer._shared_step calls self.model.forward(x); the forward pre-hook that standardises the inputs (registered in __init__) is therefore never applied during training.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class FraudMLP(nn.Module):
    def __init__(self, d_in, hidden=128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(hidden, hidden // 2), nn.ReLU(),
            nn.Linear(hidden // 2, 2),
        )

    def forward(self, x):
        return self.net(x)


class Trainer:
    def __init__(self, model, mean, std, lr=1e-3, pos_weight=10.0):
        self.model = model
        self.model.register_forward_pre_hook(self._standardise)
        self.register = {"mean": mean, "std": std}
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.class_weight = torch.tensor([1.0, pos_weight])

    def _standardise(self, module, inputs):
        (x,) = inputs
        return ((x - self.register["mean"]) / self.register["std"],)

    def _shared_step(self, batch):
        x, y = batch
        logits = self.model.forward(x)
        loss = F.cross_entropy(logits, y, weight=self.class_weight)
        return loss, logits

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for batch in loader:
            loss, _ = self._shared_step(batch)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item()
        return tot / len(loader)

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        tp = fp = fn = 0
        for x, y in loader:
            pred = self.model(x).argmax(1)
            tp += ((pred == 1) & (y == 1)).sum().item()
            fp += ((pred == 1) & (y == 0)).sum().item()
            fn += ((pred == 0) & (y == 1)).sum().item()
        return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


if __name__ == "__main__":
    X = torch.randn(20000, 29) * torch.linspace(1, 500, 29)
    y = (torch.rand(20000) < 0.03).long()
    train_ds = TensorDataset(X[:16000], y[:16000])
    val_ds = TensorDataset(X[16000:], y[16000:])
    mean, std = X[:16000].mean(0), X[:16000].std(0) + 1e-6
    trainer = Trainer(FraudMLP(29), mean, std)
    tl = DataLoader(train_ds, batch_size=512, shuffle=True)
    vl = DataLoader(val_ds, batch_size=2048)
    for epoch in range(8):
        loss = trainer.train_epoch(tl)
        p, r = trainer.validate(vl)
        print(f"epoch {epoch} loss {loss:.4f} precision {p:.3f} recall {r:.3f}")
