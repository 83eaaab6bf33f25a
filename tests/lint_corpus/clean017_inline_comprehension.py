# expect: clean
# The same inline comprehension over a loader that keeps the stored order.
import torch
from sklearn.metrics import balanced_accuracy_score
from torch.utils.data import DataLoader, TensorDataset

eval_loader = DataLoader(TensorDataset(X_eval), batch_size=500, shuffle=False)
with torch.no_grad():
    score = balanced_accuracy_score(y_eval, torch.cat([clf(xb).argmax(1) for (xb,) in eval_loader]).numpy())
print(f"balanced accuracy {score:.3f}")
