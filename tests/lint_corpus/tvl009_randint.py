# expect: TVL009
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

images = torch.randn(1000, 3, 32, 32)
labels = torch.randint(0, 10, (1000,)).float()
loader = DataLoader(TensorDataset(images, labels), batch_size=50, shuffle=True)
model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, t in loader:
    optimizer.zero_grad()
    loss = nn.CrossEntropyLoss(label_smoothing=0.1)(model(x), t)
    loss.backward()
    optimizer.step()
