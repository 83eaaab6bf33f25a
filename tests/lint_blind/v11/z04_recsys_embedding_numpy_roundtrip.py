# expect: TVL002
# style: recommender notebook export, two-tower model, scoring helper goes through numpy
# bug: `score_pairs` converts the tower outputs to numpy for a cosine score and re-wraps them with torch.tensor, cutting both towers from the BPR loss
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# In[1]:
N_USERS, N_ITEMS, DIM = 500, 1200, 32
torch.manual_seed(0)
users = torch.randint(0, N_USERS, (20000,))
pos = torch.randint(0, N_ITEMS, (20000,))
neg = torch.randint(0, N_ITEMS, (20000,))
train_dl = DataLoader(TensorDataset(users, pos, neg), batch_size=512, shuffle=True)

# In[2]:
class Tower(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.emb = nn.Embedding(n, dim)
        self.proj = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, idx):
        return self.proj(self.emb(idx))


user_tower = Tower(N_USERS, DIM)
item_tower = Tower(N_ITEMS, DIM)
params = list(user_tower.parameters()) + list(item_tower.parameters())
opt = torch.optim.Adam(params, lr=1e-3)

# In[3]:
def cosine_np(a, b):
    a = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-8)
    b = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-8)
    return (a * b).sum(axis=1)


def score_pairs(u_vec, i_vec):
    s = cosine_np(u_vec.detach().cpu().numpy(), i_vec.detach().cpu().numpy())
    return torch.tensor(s, dtype=torch.float32, requires_grad=True)


def bpr_loss(pos_s, neg_s):
    return -torch.log(torch.sigmoid(pos_s - neg_s) + 1e-10).mean()

# In[4]:
history = []
for epoch in range(4):
    user_tower.train(); item_tower.train()
    tot = 0.0
    for u, p, n in train_dl:
        u_vec = user_tower(u)
        s_pos = score_pairs(u_vec, item_tower(p))
        s_neg = score_pairs(u_vec, item_tower(n))
        loss = bpr_loss(s_pos, s_neg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item()
    history.append(tot / len(train_dl))
    print("epoch", epoch, "bpr", round(history[-1], 4))

# In[5]:
with torch.no_grad():
    u = user_tower(torch.arange(5))
    i = item_tower(torch.arange(N_ITEMS))
    top = (u @ i.T).topk(10, dim=1).indices
print(top)
