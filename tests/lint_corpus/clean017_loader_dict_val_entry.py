# expect: clean
# The "valid" loader keeps its order, so the predictions line up with the stored labels.
import numpy as np
import torch
from sklearn.metrics import confusion_matrix
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

feats = np.load("feats.npy").astype(np.float32)
labels = np.load("labels.npy").astype(np.int64)
cut = int(0.8 * len(feats))
fit_x, fit_y, valid_x, valid_y = feats[:cut], labels[:cut], feats[cut:], labels[cut:]

loaders = {
    "fit": DataLoader(TensorDataset(torch.from_numpy(fit_x), torch.from_numpy(fit_y)), batch_size=64, shuffle=True),
    "valid": DataLoader(TensorDataset(torch.from_numpy(valid_x), torch.from_numpy(valid_y)), batch_size=256, shuffle=False),
}
clf = nn.Sequential(nn.Linear(feats.shape[1], 64), nn.ReLU(), nn.Linear(64, 6))
opt = torch.optim.Adam(clf.parameters(), lr=1e-3)
for epoch in range(8):
    clf.train()
    for xb, yb in loaders["fit"]:
        loss = nn.functional.cross_entropy(clf(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    clf.eval()
    guesses = []
    with torch.no_grad():
        for xb, _ in loaders["valid"]:
            guesses.append(clf(xb).argmax(1))
    print(confusion_matrix(valid_y, torch.cat(guesses).numpy()))
