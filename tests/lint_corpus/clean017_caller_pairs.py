# expect: clean
import torch
from scipy.stats import spearmanr
from torch.utils.data import DataLoader, TensorDataset


def collect_scores(net, dl):
    net.eval()
    out = []
    with torch.no_grad():
        for xb, _ in dl:
            out += net(xb).squeeze(1).tolist()
    return out


test_X, test_y = torch.randn(900, 24), torch.randn(900)
test_dl = DataLoader(TensorDataset(test_X, test_y), batch_size=100, shuffle=False)
net = torch.nn.Sequential(torch.nn.Linear(24, 48), torch.nn.ReLU(), torch.nn.Linear(48, 1))
scores = collect_scores(net, test_dl)
rho = spearmanr(scores, test_y.numpy()).correlation
print(f"test spearman {rho:.3f}")
