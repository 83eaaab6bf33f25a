# expect: clean
import torch

optimizer = torch.optim.Adam(student.parameters())
for epoch in range(10):
    student.train()
    teacher.eval()
    for x, y in loader:
        optimizer.zero_grad()
        with torch.no_grad():
            t = teacher(x)
        loss = distill(student(x), t, y)
        loss.backward()
        optimizer.step()
