# expect: clean
import torch
import torch.nn.functional as F

model = SimSiam()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for x1, x2 in loader:
    p1, p2, z1, z2 = model(x1, x2)
    loss = -(F.cosine_similarity(p1, z2.detach()).mean() + F.cosine_similarity(p2, z1.detach()).mean()) / 2
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
