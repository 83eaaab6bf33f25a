# expect: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


def class_distribution(scores, tau=1.0):
    return torch.softmax(scores / tau, dim=1)


def class_log_distribution(scores, tau=1.0):
    return F.log_softmax(scores / tau, dim=1)


student = nn.Linear(32, 10)
teacher = nn.Linear(32, 10).eval()
optimizer = torch.optim.SGD(student.parameters(), lr=0.05)
kl = nn.KLDivLoss(reduction="batchmean")
for step in range(200):
    x = torch.randn(16, 32)
    with torch.no_grad():
        target_dist = class_distribution(teacher(x), tau=4.0)
    pred_dist = class_log_distribution(student(x), tau=4.0)
    loss = kl(pred_dist, target_dist)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
