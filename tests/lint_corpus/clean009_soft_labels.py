# expect: clean
import torch
import torch.nn.functional as F


def mixup_step(model, loader, optimizer, num_classes, alpha=0.2):
    for images, labels in loader:
        lam = torch.distributions.Beta(alpha, alpha).sample()
        perm = torch.randperm(images.size(0))
        onehot = F.one_hot(labels, num_classes).float()
        mixed_x = lam * images + (1 - lam) * images[perm]
        mixed_y = lam * onehot + (1 - lam) * onehot[perm]
        logits = model(mixed_x)
        loss = F.cross_entropy(logits, mixed_y)
        loss = loss + F.cross_entropy(logits, torch.randn(logits.shape).softmax(dim=1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        acc = (logits.argmax(1) == labels).float().mean()
    return acc


def distill_step(student, teacher_probs, x, targets):
    return F.cross_entropy(student(x), teacher_probs.float())
