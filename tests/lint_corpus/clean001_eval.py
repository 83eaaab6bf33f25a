# expect: clean
import torch


def run(model, opt, train_loader, val_loader, criterion):
    for x, y in train_loader:
        model.train()
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            val_loss = sum(criterion(model(vx), vy).item() for vx, vy in val_loader)
        print(val_loss)
