# expect: TVL008
# style: plain distillation script, BERT-like tiny student distilled from a teacher for sentence classification
# bug: nn.KLDivLoss receives the student's softmax probabilities as its input, but it expects log-probabilities.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

T = 2.0
ALPHA = 0.5
VOCAB, SEQ, N_CLS = 10000, 48, 4


class Encoder(nn.Module):
    def __init__(self, dim, layers, heads):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, dim)
        self.pos = nn.Parameter(torch.zeros(1, SEQ, dim))
        block = nn.TransformerEncoderLayer(dim, heads, 4 * dim, batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(block, layers)
        self.cls = nn.Linear(dim, N_CLS)

    def forward(self, ids):
        h = self.layers(self.emb(ids) + self.pos)
        return self.cls(h[:, 0])


teacher = Encoder(dim=256, layers=4, heads=8)
student = Encoder(dim=128, layers=2, heads=4)
teacher.eval()
for p in teacher.parameters():
    p.requires_grad = False

ids = torch.randint(0, VOCAB, (4000, SEQ))
labels = torch.randint(0, N_CLS, (4000,))
loader = DataLoader(TensorDataset(ids, labels), batch_size=32, shuffle=True)

kl = nn.KLDivLoss(reduction="batchmean")
optimizer = torch.optim.AdamW(student.parameters(), lr=5e-4)

for epoch in range(3):
    student.train()
    tot_kd, tot_ce, n = 0.0, 0.0, 0
    for x, y in loader:
        with torch.no_grad():
            t_logits = teacher(x)
        s_logits = student(x)
        s_prob = F.softmax(s_logits / T, dim=-1)
        t_prob = F.softmax(t_logits / T, dim=-1)
        kd = kl(s_prob, t_prob) * (T * T)
        ce = F.cross_entropy(s_logits, y)
        loss = ALPHA * kd + (1 - ALPHA) * ce
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        tot_kd += kd.item(); tot_ce += ce.item(); n += 1
    print(f"epoch {epoch}: kd {tot_kd / n:.4f} ce {tot_ce / n:.4f}")

student.eval()
with torch.no_grad():
    agree = (student(ids[:512]).argmax(-1) == teacher(ids[:512]).argmax(-1)).float().mean()
print("teacher agreement", agree.item())
torch.save(student.state_dict(), "student.pt")
