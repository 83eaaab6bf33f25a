# expect: TVL017
import torch
import torchvision
from torch.utils.data import DataLoader

val_set = torchvision.datasets.CIFAR10("data", train=False, transform=torchvision.transforms.ToTensor())
val_loader = DataLoader(val_set, batch_size=256, shuffle=True, num_workers=4)

model.eval()
preds = []
with torch.no_grad():
    for images, _ in val_loader:
        preds.append(model(images).argmax(dim=1))
accuracy = (torch.cat(preds) == torch.tensor(val_set.targets)).float().mean().item()
print(f"val accuracy {accuracy:.3f}")
