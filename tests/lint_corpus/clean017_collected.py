# expect: clean
import torch
from sklearn.metrics import classification_report, f1_score
from torch.utils.data import DataLoader

val_loader = DataLoader(val_set, batch_size=256, shuffle=True)
test_loader = DataLoader(test_set, batch_size=256, shuffle=False)
all_preds, all_labels = [], []
with torch.no_grad():
    for images, labels in val_loader:
        all_preds.append(model(images).argmax(1))
        all_labels.append(labels)
preds, labels = torch.cat(all_preds), torch.cat(all_labels)
print(f1_score(labels, preds, average="macro"))
print(classification_report(labels, preds, target_names=val_set.classes))

test_preds = []
with torch.no_grad():
    for images, _ in test_loader:
        test_preds.append(model(images).argmax(1))
test_acc = (torch.cat(test_preds) == torch.tensor(test_set.targets)).float().mean()
