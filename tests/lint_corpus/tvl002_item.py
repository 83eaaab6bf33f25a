# expect: TVL002
import torch

encoder = Encoder()
opt = torch.optim.Adam(encoder.parameters(), lr=3e-4)
for batch in loader:
    opt.zero_grad()
    score = encoder(batch).mean().item()
    loss = torch.tensor(1.0 - score, requires_grad=True)
    loss.backward()
    opt.step()
