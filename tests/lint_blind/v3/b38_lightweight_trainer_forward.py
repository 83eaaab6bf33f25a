# expect: TVL013
# style: hand-rolled PyTorch-Lightning-like LitModule + Trainer pair (training_step / validation_step / configure_optimizers)
# bug: LitClassifier.training_step calls self.net.forward(x) instead of self.net(x), skipping the forward hooks registered on the backbone
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LitClassifier(nn.Module):
    def __init__(self, hidden=128, lr=1e-3):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, 10))
        self.lr = lr
        self.activation_stats = []
        self.net[1].register_forward_hook(lambda m, i, o: self.activation_stats.append(o.detach().abs().mean().item()))

    def training_step(self, batch):
        x, y = batch
        logits = self.net.forward(x)
        return F.cross_entropy(logits, y)

    def validation_step(self, batch):
        x, y = batch
        logits = self.net(x)
        return (logits.argmax(-1) == y).float().sum().item()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


class MiniTrainer:
    def __init__(self, max_epochs, log_every=50):
        self.max_epochs, self.log_every = max_epochs, log_every

    def fit(self, module, train_dataloader, val_dataloader):
        optimizer = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_dataloader):
                loss = module.training_step(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if i % self.log_every == 0:
                    mean_act = sum(module.activation_stats[-50:]) / max(len(module.activation_stats[-50:]), 1)
                    print(f"epoch {epoch} it {i} loss {loss.item():.4f} act {mean_act:.3f}")
            module.eval()
            with torch.no_grad():
                correct = sum(module.validation_step(b) for b in val_dataloader)
            print(f"epoch {epoch} val_acc {correct / len(val_dataloader.dataset):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_epochs", type=int, default=3)
    ap.add_argument("--hidden", type=int, default=128)
    args = ap.parse_args()
    train_ds = TensorDataset(torch.randn(6000, 1, 28, 28), torch.randint(0, 10, (6000,)))
    val_ds = TensorDataset(torch.randn(1000, 1, 28, 28), torch.randint(0, 10, (1000,)))
    MiniTrainer(args.max_epochs).fit(LitClassifier(args.hidden), DataLoader(train_ds, batch_size=64, shuffle=True),
                                     DataLoader(val_ds, batch_size=256))
