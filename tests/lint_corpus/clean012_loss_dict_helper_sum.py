# expect: clean
# A segmentation loop whose criterion returns named terms; a small helper tallies them as floats.
import torch
import torch.nn.functional as F


def criterion(pred, mask):
    bce = F.binary_cross_entropy_with_logits(pred, mask)
    probs = pred.sigmoid()
    dice = 1 - (2 * (probs * mask).sum() + 1) / (probs.sum() + mask.sum() + 1)
    return {"loss": bce + dice, "bce": bce, "dice": dice}


def tally(meter, terms, weight=1):
    for name, value in terms.items():
        meter[name] += value.item() * weight


def fit(net, opt, batches, report_every=50):
    meter = {"loss": 0.0, "bce": 0.0, "dice": 0.0}
    for step, (img, mask) in enumerate(batches):
        terms = criterion(net(img), mask)
        opt.zero_grad()
        terms["loss"].backward()
        opt.step()
        tally(meter, terms, img.shape[0])
        if step % report_every == 0:
            print({k: float(v) for k, v in meter.items()})
            meter = {"loss": 0.0, "bce": 0.0, "dice": 0.0}
    return torch.tensor(0.0)
