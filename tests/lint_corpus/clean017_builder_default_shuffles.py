# expect: clean
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset


def loader_for(features, labels, batch_size=128, shuffle=True):
    ds = TensorDataset(torch.as_tensor(features), torch.as_tensor(labels))
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle)


x_train, y_train = np.random.randn(900, 6).astype("float32"), np.random.randint(0, 3, 900)
x_test, y_test = np.random.randn(300, 6).astype("float32"), np.random.randint(0, 3, 300)
train_loader = loader_for(x_train, y_train, batch_size=32)
test_loader = loader_for(x_test, y_test, shuffle=False)

clf = torch.nn.Linear(6, 3)
opt = torch.optim.Adam(clf.parameters(), lr=1e-2)
for epoch in range(10):
    for xb, yb in train_loader:
        loss = torch.nn.functional.cross_entropy(clf(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()

guesses = []
with torch.no_grad():
    for xb, _ in test_loader:
        guesses.append(clf(xb).argmax(1).numpy())
print("test accuracy", (np.concatenate(guesses) == y_test).mean())
