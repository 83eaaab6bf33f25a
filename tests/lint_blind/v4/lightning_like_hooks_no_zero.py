# expect: TVL003
# style: Lightning-style module + hand-written fit loop with backward()/optimizer_step() hooks
# bug: the Runner calls module.backward() and module.optimizer_step() each batch, but neither hook nor the loop ever clears gradients
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TextCNNModule(nn.Module):
    def __init__(self, vocab=5000, dim=128, n_cls=4, lr=1e-3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(dim, 100, k) for k in (3, 4, 5))
        self.fc = nn.Linear(300, n_cls)
        self.lr = lr

    def forward(self, ids):
        h = self.emb(ids).transpose(1, 2)
        h = torch.cat([F.relu(c(h)).amax(-1) for c in self.convs], dim=1)
        return self.fc(F.dropout(h, 0.5, self.training))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)

    def training_step(self, batch):
        ids, y = batch
        return F.cross_entropy(self(ids), y)

    def backward(self, loss):
        loss.backward()

    def optimizer_step(self, optimizer):
        torch.nn.utils.clip_grad_norm_(self.parameters(), 5.0)
        optimizer.step()


class Runner:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, module, loader):
        optimizer = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            losses = []
            for batch in loader:
                loss = module.training_step(batch)
                module.backward(loss)
                module.optimizer_step(optimizer)
                losses.append(loss.item())
            print(f"epoch {epoch} train_loss {sum(losses) / len(losses):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-epochs", type=int, default=5)
    args = ap.parse_args()
    ds = TensorDataset(torch.randint(1, 5000, (2000, 64)), torch.randint(0, 4, (2000,)))
    Runner(args.max_epochs).fit(TextCNNModule(), DataLoader(ds, batch_size=50, shuffle=True))
