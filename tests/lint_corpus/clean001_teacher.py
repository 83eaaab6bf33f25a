# expect: clean
import torch
import torch.nn.functional as F

teacher.eval()
student = Student()
opt = torch.optim.Adam(student.parameters(), lr=1e-3)
for x, y in loader:
    opt.zero_grad()
    with torch.no_grad():
        t_logits = teacher(x)
    s_logits = student(x)
    loss = F.kl_div(F.log_softmax(s_logits, -1), F.softmax(t_logits, -1), reduction="batchmean")
    loss.backward()
    opt.step()
