# expect: clean
# style: research script evaluating on a shuffled test loader (copied train-loader args), but every metric is accumulated per batch from (pred, target) pairs
# note: the test DataLoader has shuffle=True, yet accuracy / loss / confusion matrix are computed batch-wise from paired outputs and targets, so the result does not depend on order
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def evaluate(model, loader, n_classes):
    model.eval()
    confusion = torch.zeros(n_classes, n_classes, dtype=torch.long)
    loss_sum, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            loss_sum += nn.functional.cross_entropy(logits, y, reduction="sum").item()
            pred = logits.argmax(1)
            correct += (pred == y).sum().item()
            seen += y.numel()
            confusion.index_put_((y, pred), torch.ones_like(y), accumulate=True)
    per_class = confusion.diag().float() / confusion.sum(1).clamp_min(1).float()
    return loss_sum / seen, correct / seen, per_class


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--n-classes", type=int, default=4)
    args = ap.parse_args()
    loader_kwargs = {"batch_size": 64, "shuffle": True, "num_workers": 2}
    train_ds = TensorDataset(torch.randn(3000, 20), torch.randint(0, args.n_classes, (3000,)))
    test_ds = TensorDataset(torch.randn(600, 20), torch.randint(0, args.n_classes, (600,)))
    train_loader = DataLoader(train_ds, **loader_kwargs)
    test_loader = DataLoader(test_ds, **loader_kwargs)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, args.n_classes))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        loss, acc, per_class = evaluate(model, test_loader, args.n_classes)
        print(f"epoch {epoch}: test loss {loss:.4f} acc {acc:.4f} per-class {[round(v, 3) for v in per_class.tolist()]}")


if __name__ == "__main__":
    main()
