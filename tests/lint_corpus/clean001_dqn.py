# expect: clean
import torch
import torch.nn.functional as F

policy_net = DQN()
target_net = DQN()
optimizer = torch.optim.RMSprop(policy_net.parameters())
for step in range(num_steps):
    s, a, r, s2 = memory.sample()
    q = policy_net(s).gather(1, a)
    with torch.no_grad():
        target = r + 0.99 * target_net(s2).max(1)[0]
    loss = F.smooth_l1_loss(q, target.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
