# real: source=https://pytorch.org/tutorials/beginner/saving_loading_models.html (and the Kaggle/tutorial pattern of saving every epoch)
# real: args=
# real: bug=reload-into-new-model expect=unoptimized-parameters,parameters-not-moving,dead-parameters
# real: bug=eval-left-on expect=training-in-eval-mode
"""The "Saving and Loading Models" tutorial's idioms as Kaggle notebooks mix them: per epoch
torch.save(model) and pickle.dumps(model), copy.deepcopy(model) and a state_dict at the best val
loss, a general checkpoint {'optimizer', 'scheduler'}; at one epoch load_state_dict(torch.load())
into the same model, training on with the same optimizer. An MLP, Adam, StepLR, synthetic data."""

import argparse
import copy
import os
import pickle
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--reload-epoch", type=int, default=3)
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--bug", default="", choices=["", "reload-into-new-model", "eval-left-on"])
args = parser.parse_args()

torch.manual_seed(0)


class TheModelClass(nn.Module):
    def __init__(self, n_in=12, n_hidden=64, n_out=3):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(n_hidden, n_hidden)
        self.fc3 = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.drop(x)
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def make_split(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 12, generator=g)
    w = torch.randn(12, 3, generator=torch.Generator().manual_seed(42))
    logits = x @ w + 0.5 * torch.randn(n, 3, generator=g)
    return TensorDataset(x, logits.argmax(1))


train_loader = DataLoader(make_split(768, 1), batch_size=64, shuffle=True)
val_loader = DataLoader(make_split(256, 2), batch_size=256)

model = TheModelClass()
optimizer = optim.Adam(model.parameters(), lr=args.lr)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
criterion = nn.CrossEntropyLoss()

workdir = tempfile.TemporaryDirectory()
PATH = os.path.join(workdir.name, "model.pt")
STATE_PATH = os.path.join(workdir.name, "best_state.pt")
CKPT_PATH = os.path.join(workdir.name, "checkpoint.tar")
best_loss, best = float("inf"), None

for epoch in range(args.epochs):
    if args.bug != "eval-left-on":
        model.train()
    running = 0.0
    for inputs, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        running += loss.item() * len(inputs)
    scheduler.step()

    model.eval()
    with torch.no_grad():
        val_loss = sum(criterion(model(x), y).item() * len(x) for x, y in val_loader)
        val_loss /= len(val_loader.dataset)
    print(f"epoch {epoch}: train loss {running / len(train_loader.dataset):.4f}, "
          f"val loss {val_loss:.4f}")

    # Save/Load Entire Model
    torch.save(model, PATH)
    blob = pickle.dumps(model)
    if val_loss < best_loss:
        best_loss = val_loss
        best = copy.deepcopy(model)
        # Save/Load state_dict (Recommended)
        torch.save(model.state_dict(), STATE_PATH)
    # Saving & Loading a General Checkpoint for Inference and/or Resuming Training
    torch.save({"epoch": epoch, "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "loss": val_loss}, CKPT_PATH)

    if epoch == args.reload_epoch:
        print("reloading the best weights and resuming")
        if args.bug == "reload-into-new-model":  # a fresh instance, as in the tutorial's snippet
            model = TheModelClass()
        model.load_state_dict(torch.load(STATE_PATH))
        checkpoint = torch.load(CKPT_PATH)
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])

# the whole-model files load back too
whole = torch.load(PATH, weights_only=False)
restored = pickle.loads(blob)
best.eval()
with torch.no_grad():
    x, y = next(iter(val_loader))
    acc = (best(x).argmax(1) == y).float().mean().item()
print(f"best val loss {best_loss:.4f}, accuracy of the best copy {acc:.3f}")
workdir.cleanup()
