# expect: clean
# Detector training with a dict of loss parts, detached before summing into epoch totals.
from collections import Counter


def run_epoch(model, optimizer, loader):
    totals = Counter()
    for images, targets in loader:
        parts = model(images, targets)
        parts["total"] = sum(parts.values())
        optimizer.zero_grad()
        parts["total"].backward()
        optimizer.step()
        for key, val in parts.items():
            totals[key] += val.detach()
    return {k: float(v) / len(loader) for k, v in totals.items()}
