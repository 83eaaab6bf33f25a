# expect: clean
import torch

model = RNNModel()
optimizer = torch.optim.Adam(model.parameters())
hidden = model.init_hidden(batch_size)
for x, y in batches:
    hidden = hidden.detach()
    optimizer.zero_grad()
    out, hidden = model(x, hidden)
    loss = criterion(out.view(-1, ntokens), y)
    loss.backward()
    optimizer.step()
