# real: source=https://github.com/pytorch/vision/blob/main/references/detection/engine.py
# real: args=
# real: bug=sigmoid-before-bce expect=probabilities-as-logits
# real: bug=pixels-not-scaled expect=unscaled-inputs
"""torchvision's detection references (train.py and engine.py): a detector that takes a list of
images and a list of target dicts ({"boxes", "labels"}) and returns a dict of losses in train()
mode and a list of detections in eval() mode; the images are normalised inside the model (as
GeneralizedRCNNTransform does); the backbone's first layers are frozen (trainable_backbone_layers)
and its batch norms are FrozenBatchNorm2d (buffers only); `params = [p for p in
model.parameters() if p.requires_grad]`, SGD(momentum 0.9, weight decay 1e-4), MultiStepLR
stepped per epoch; train_one_epoch with the LinearLR warm-up stepped per iteration in epoch 0,
the summed loss dict, the math.isfinite check before zero_grad/backward/step; evaluate() under
torch.inference_mode() in eval(), matching detections to the ground truth after each epoch.
Changed: the detector is a small single-stage one written here (a stride-8 CNN and per-cell
objectness, class and box heads, FCOS-like: the cell holding a box's centre predicts it; losses
binary_cross_entropy_with_logits, cross_entropy and smooth_l1_loss), not Faster R-CNN; synthetic
64x64 images of coloured squares (the colour is the class) as uint8 images converted with
scale=True, instead of COCO; positive cells weighted 10x in the objectness loss (the RPN samples
half positives); a recall at IoU 0.5 instead of the COCO evaluator; 6 epochs of 24 batches of 4
images, the learning rate divided by 10 after the fifth."""

import argparse
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--lr", type=float, default=0.02)
parser.add_argument("--batch-size", type=int, default=4)
parser.add_argument("--lr-steps", nargs="+", type=int, default=[5])
parser.add_argument("--bug", default="", choices=["", "sigmoid-before-bce", "pixels-not-scaled"])
args = parser.parse_args()
NUM_CLASSES = 4  # background + 3 colours
SIZE, STRIDE = 64, 8


class Squares(Dataset):
    """uint8 images (3, 64, 64) of 1 to 3 coloured squares on noise; target: boxes (x1, y1, x2, y2)
    in pixels, labels 1..3 (the square's colour), image_id."""

    def __init__(self, n, seed):
        self.n, self.seed = n, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 100003 + i)
        img = torch.randint(0, 60, (3, SIZE, SIZE), generator=g, dtype=torch.uint8)
        boxes, labels = [], []
        for _ in range(int(torch.randint(1, 4, (1,), generator=g))):
            s = int(torch.randint(10, 21, (1,), generator=g))
            x, y = (int(v) for v in torch.randint(0, SIZE - s, (2,), generator=g))
            c = int(torch.randint(1, NUM_CLASSES, (1,), generator=g))
            img[:, y:y + s, x:x + s] = 40
            img[c - 1, y:y + s, x:x + s] = 230
            boxes.append([x, y, x + s, y + s])
            labels.append(c)
        target = {"boxes": torch.tensor(boxes, dtype=torch.float32), "labels": torch.tensor(labels),
                  "image_id": torch.tensor(i)}
        if args.bug == "pixels-not-scaled":  # ToDtype(torch.float32) without scale=True
            return img.float(), target
        return img.float() / 255.0, target


def collate_fn(batch):
    return tuple(zip(*batch, strict=True))


class FrozenBatchNorm2d(nn.Module):
    """Batch norm with fixed statistics and affine terms, all buffers (torchvision.ops)."""

    def __init__(self, n):
        super().__init__()
        for name, value in (("weight", torch.ones(n)), ("bias", torch.zeros(n)), ("running_mean", torch.zeros(n)),
                            ("running_var", torch.ones(n))):
            self.register_buffer(name, value)

    def forward(self, x):
        scale = self.weight * (self.running_var + 1e-5).rsqrt()
        bias = self.bias - self.running_mean * scale
        return x * scale[None, :, None, None] + bias[None, :, None, None]


def conv_block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), FrozenBatchNorm2d(cout), nn.ReLU(inplace=True))


class GridDetector(nn.Module):
    def __init__(self, num_classes, trainable_backbone_layers=2):
        super().__init__()
        self.register_buffer("image_mean", torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1))
        self.register_buffer("image_std", torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1))
        self.backbone = nn.Sequential(conv_block(3, 16, 2), conv_block(16, 32, 2), conv_block(32, 64, 2), conv_block(64, 64, 1))
        for layer in list(self.backbone)[: len(self.backbone) - trainable_backbone_layers]:
            layer.requires_grad_(False)
        self.head = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(inplace=True))
        self.objectness = nn.Conv2d(64, 1, 1)
        self.cls_logits = nn.Conv2d(64, num_classes, 1)
        self.bbox_pred = nn.Conv2d(64, 4, 1)

    def transform(self, images):
        return torch.stack([(img - self.image_mean) / self.image_std for img in images])

    def forward(self, images, targets=None):
        feats = self.head(self.backbone(self.transform(images)))
        obj = self.objectness(feats).flatten(1)  # (B, cells)
        if args.bug == "sigmoid-before-bce":  # the head gives probabilities
            obj = torch.sigmoid(obj)
        cls = self.cls_logits(feats).flatten(2).transpose(1, 2)  # (B, cells, C)
        box = self.bbox_pred(feats).flatten(2).transpose(1, 2)  # (B, cells, 4): l, t, r, b / SIZE
        if self.training:
            return self.compute_loss(obj, cls, box, targets)
        return self.postprocess(obj, cls, box)

    def cell_centres(self):
        n = SIZE // STRIDE
        ys, xs = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        return torch.stack([xs.flatten(), ys.flatten()], 1).float() * STRIDE + STRIDE / 2

    def compute_loss(self, obj, cls, box, targets):
        centres = self.cell_centres()
        obj_target = torch.zeros_like(obj)
        cls_pred, cls_target, box_pred, box_target = [], [], [], []
        n = SIZE // STRIDE
        for b, t in enumerate(targets):
            for (x1, y1, x2, y2), label in zip(t["boxes"].tolist(), t["labels"].tolist(), strict=True):
                cell = min(int((y1 + y2) / 2 // STRIDE), n - 1) * n + min(int((x1 + x2) / 2 // STRIDE), n - 1)
                cx, cy = centres[cell].tolist()
                obj_target[b, cell] = 1.0
                cls_pred.append(cls[b, cell])
                cls_target.append(label)
                box_pred.append(box[b, cell])
                box_target.append(torch.tensor([cx - x1, cy - y1, x2 - cx, y2 - cy]) / SIZE)
        num_pos = max(len(cls_target), 1)
        return {
            # positives weighted up, as the RPN's balanced sampler does by drawing half of them
            "loss_objectness": F.binary_cross_entropy_with_logits(obj, obj_target, pos_weight=torch.tensor(10.0)),
            "loss_classifier": F.cross_entropy(torch.stack(cls_pred), torch.tensor(cls_target)),
            "loss_box_reg": F.smooth_l1_loss(torch.stack(box_pred), torch.stack(box_target), beta=1 / 9, reduction="sum") / num_pos,
        }

    def postprocess(self, obj, cls, box, score_thresh=0.3):
        centres = self.cell_centres()
        scores = obj if args.bug == "sigmoid-before-bce" else torch.sigmoid(obj)
        out = []
        for b in range(obj.shape[0]):
            keep = scores[b] > score_thresh
            d = box[b][keep] * SIZE
            c = centres[keep]
            out.append({"boxes": torch.stack([c[:, 0] - d[:, 0], c[:, 1] - d[:, 1], c[:, 0] + d[:, 2], c[:, 1] + d[:, 3]], 1),
                        "scores": scores[b][keep], "labels": cls[b][keep].argmax(-1)})
        return out


def box_iou(a, b):
    lt, rb = torch.max(a[:, None, :2], b[None, :, :2]), torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(2)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def train_one_epoch(model, optimizer, data_loader, epoch, print_freq):
    model.train()
    lr_scheduler = None
    if epoch == 0:
        warmup_iters = min(1000, len(data_loader) - 1)
        lr_scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0 / 1000, total_iters=warmup_iters)
    for i, (images, targets) in enumerate(data_loader):
        images = list(image for image in images)
        targets = [{k: v for k, v in t.items()} for t in targets]
        loss_dict = model(images, targets)
        losses = sum(loss for loss in loss_dict.values())
        loss_value = losses.item()
        if not math.isfinite(loss_value):
            print(f"Loss is {loss_value}, stopping training")
            print(loss_dict)
            sys.exit(1)
        optimizer.zero_grad()
        losses.backward()
        optimizer.step()
        if lr_scheduler is not None:
            lr_scheduler.step()
        if i % print_freq == 0:
            parts = "  ".join(f"{k}: {v.item():.4f}" for k, v in loss_dict.items())
            print(f"Epoch: [{epoch}] [{i}/{len(data_loader)}]  lr: {optimizer.param_groups[0]['lr']:.6f}  loss: {loss_value:.4f}  {parts}")


@torch.inference_mode()
def evaluate(model, data_loader):
    model.eval()
    found = total = 0
    for images, targets in data_loader:
        outputs = model(list(images))
        for target, output in zip(targets, outputs, strict=True):
            total += len(target["boxes"])
            if len(output["boxes"]):
                iou = box_iou(target["boxes"], output["boxes"])
                hit = (iou >= 0.5) & (target["labels"][:, None] == output["labels"][None, :])
                found += int(hit.any(1).sum())
    print(f"recall@0.5: {found / max(total, 1):.3f} ({found}/{total} boxes)")
    return found / max(total, 1)


torch.manual_seed(0)
dataset, dataset_test = Squares(96, seed=1), Squares(32, seed=2)
data_loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, collate_fn=collate_fn)
data_loader_test = DataLoader(dataset_test, batch_size=1, shuffle=False, collate_fn=collate_fn)
model = GridDetector(NUM_CLASSES)
params = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=1e-4)
lr_scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=args.lr_steps, gamma=0.1)
for epoch in range(args.epochs):
    train_one_epoch(model, optimizer, data_loader, epoch, print_freq=10)
    lr_scheduler.step()
    evaluate(model, data_loader_test)
