# expect: clean
# style: Kaggle multi-label + multi-class tabular/NLP hybrid kernel (Jigsaw-like toxicity heads) with separate loss and metric helpers
# note: both losses receive raw logits (cross_entropy for the severity class, BCEWithLogits for the multi-label head); softmax/sigmoid appear only in the no_grad metric path
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

N_LABELS, N_SEVERITY = 6, 4


class ToxicityNet(nn.Module):
    def __init__(self, vocab=50000, dim=200):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.body = nn.Sequential(nn.Linear(dim, 256), nn.ReLU(), nn.Dropout(0.25))
        self.label_head = nn.Linear(256, N_LABELS)
        self.severity_head = nn.Linear(256, N_SEVERITY)

    def forward(self, ids):
        h = self.body(self.emb(ids))
        return self.label_head(h), self.severity_head(h)


def loss_fn(outputs, labels, severity):
    label_logits, severity_logits = outputs
    return F.binary_cross_entropy_with_logits(label_logits, labels) + F.cross_entropy(severity_logits, severity)


@torch.no_grad()
def predict_proba(model, loader):
    model.eval()
    probs, sev = [], []
    for ids, _, _ in loader:
        label_logits, severity_logits = model(ids)
        probs.append(torch.sigmoid(label_logits))
        sev.append(F.softmax(severity_logits, dim=1))
    return torch.cat(probs).numpy(), torch.cat(sev).numpy()


ids = torch.randint(0, 50000, (12000, 100))
labels = (torch.rand(12000, N_LABELS) > 0.85).float()
severity = torch.randint(0, N_SEVERITY, (12000,))
train_dl = DataLoader(TensorDataset(ids[:10000], labels[:10000], severity[:10000]), batch_size=128, shuffle=True)
valid_dl = DataLoader(TensorDataset(ids[10000:], labels[10000:], severity[10000:]), batch_size=512, shuffle=False)

model = ToxicityNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(6):
    model.train()
    for xb, yb, sb in train_dl:
        loss = loss_fn(model(xb), yb, sb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    p_label, p_sev = predict_proba(model, valid_dl)
    aucs = [roc_auc_score(labels[10000:, k].numpy(), p_label[:, k]) for k in range(N_LABELS)]
    sev_acc = (p_sev.argmax(1) == severity[10000:].numpy()).mean()
    print(f"epoch {epoch}: loss {loss.item():.4f} mean AUC {np.mean(aucs):.4f} severity acc {sev_acc:.3f}")
