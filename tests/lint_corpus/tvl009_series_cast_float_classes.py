# expect: TVL009
# The grade column (0..4) is cast to float on the Series before it becomes a tensor;
# CrossEntropyLoss then gets (N,) floats instead of class indices.
import pandas as pd
import torch
from torch import nn

essays = pd.read_csv("essays.csv")
grades = essays["grade"].astype("float32")
feats = torch.tensor(essays.filter(like="emb_").to_numpy(), dtype=torch.float32)
target = torch.from_numpy(grades.to_numpy())
scorer = nn.Sequential(nn.Linear(feats.shape[1], 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 5))
opt = torch.optim.AdamW(scorer.parameters(), lr=1e-3)
for step in range(200):
    loss = nn.functional.cross_entropy(scorer(feats), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
