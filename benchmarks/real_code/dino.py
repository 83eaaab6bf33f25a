# real: source=https://github.com/facebookresearch/dino (main_dino.py, vision_transformer.py, utils.py)
# real: args=
# real: bug=no-zero-grad expect=grads-not-cleared
# real: bug=head-frozen-for-good expect=dead-parameters
"""DINO self-distillation as facebookresearch/dino trains it: a student ViT with a projection
head (its last layer weight-normalised, the norm's gain frozen) learns to match a teacher, an
exponential moving average of the student that is never in an optimizer and has
requires_grad=False. Two global and several local crops of each image go to the student, the two
global ones to the teacher; the loss is a cross-entropy between the teacher's centred and
sharpened softmax and the student's, over every pair of different views (written by hand: no
torch loss function). AdamW over two groups (weight decay on matrices only); the learning rate,
the weight decay and the teacher's momentum set from per-iteration cosine schedules; gradients
clipped parameter by parameter; and the head's last layer has its gradients thrown away
(p.grad = None after backward) for the first `freeze_last_layer` epochs.
Changed: synthetic 32x32 images (class prototypes plus noise) instead of ImageFolder, crops made
with torch (random resized crop and flip) instead of torchvision transforms; a tiny ViT (patch 4,
width 64, 2 blocks) and head; single process (no DDP, the centre's all_reduce dropped), fp32;
fewer epochs; --bug injects a fault."""

import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.set_num_threads(1)


def drop_path(x, drop_prob=0.0, training=False):
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    mask = (keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device)).floor_()
    return x.div(keep_prob) * mask


class DropPath(nn.Module):
    def __init__(self, drop_prob=None):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, in_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio=4.0, drop_path=0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads)
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class VisionTransformer(nn.Module):
    def __init__(self, img_size=32, patch_size=4, embed_dim=64, depth=2, num_heads=4, drop_path_rate=0.0):
        super().__init__()
        self.embed_dim = embed_dim
        self.patch_size = patch_size
        self.patch_embed = nn.Conv2d(3, embed_dim, kernel_size=patch_size, stride=patch_size)
        num_patches = (img_size // patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dim))
        dpr = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, drop_path=dpr[i]) for i in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Identity()
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.LayerNorm):
            nn.init.constant_(m.bias, 0)
            nn.init.constant_(m.weight, 1.0)

    def interpolate_pos_encoding(self, x, w, h):
        npatch = x.shape[1] - 1
        N = self.pos_embed.shape[1] - 1
        if npatch == N and w == h:
            return self.pos_embed
        class_pos_embed = self.pos_embed[:, 0]
        patch_pos_embed = self.pos_embed[:, 1:]
        w0, h0 = w // self.patch_size, h // self.patch_size
        side = int(math.sqrt(N))
        patch_pos_embed = F.interpolate(
            patch_pos_embed.reshape(1, side, side, -1).permute(0, 3, 1, 2),
            size=(w0, h0), mode="bicubic", align_corners=False,
        )
        patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).reshape(1, -1, self.embed_dim)
        return torch.cat((class_pos_embed.unsqueeze(0), patch_pos_embed), dim=1)

    def forward(self, x):
        B, _, w, h = x.shape
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(x, w, h)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)[:, 0]


class DINOHead(nn.Module):
    def __init__(self, in_dim, out_dim, norm_last_layer=True, nlayers=3, hidden_dim=128, bottleneck_dim=64):
        super().__init__()
        layers = [nn.Linear(in_dim, hidden_dim), nn.GELU()]
        for _ in range(nlayers - 2):
            layers += [nn.Linear(hidden_dim, hidden_dim), nn.GELU()]
        layers.append(nn.Linear(hidden_dim, bottleneck_dim))
        self.mlp = nn.Sequential(*layers)
        self.apply(self._init_weights)
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck_dim, out_dim, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        if norm_last_layer:
            self.last_layer.weight_g.requires_grad = False

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.mlp(x)
        x = F.normalize(x, dim=-1, p=2)
        return self.last_layer(x)


class MultiCropWrapper(nn.Module):
    """Runs the backbone once per run of crops of one resolution, then the head on them all."""

    def __init__(self, backbone, head):
        super().__init__()
        backbone.fc, backbone.head = nn.Identity(), nn.Identity()
        self.backbone = backbone
        self.head = head

    def forward(self, x):
        if not isinstance(x, list):
            x = [x]
        idx_crops = torch.cumsum(torch.unique_consecutive(
            torch.tensor([inp.shape[-1] for inp in x]), return_counts=True)[1], 0)
        start_idx, output = 0, torch.empty(0).to(x[0].device)
        for end_idx in idx_crops:
            _out = self.backbone(torch.cat(x[start_idx:end_idx]))
            output = torch.cat((output, _out))
            start_idx = end_idx
        return self.head(output)


class DINOLoss(nn.Module):
    def __init__(self, out_dim, ncrops, warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs, nepochs,
                 student_temp=0.1, center_momentum=0.9):
        super().__init__()
        self.student_temp = student_temp
        self.center_momentum = center_momentum
        self.ncrops = ncrops
        self.register_buffer("center", torch.zeros(1, out_dim))
        self.teacher_temp_schedule = np.concatenate((
            np.linspace(warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs),
            np.ones(nepochs - warmup_teacher_temp_epochs) * teacher_temp,
        ))

    def forward(self, student_output, teacher_output, epoch):
        student_out = (student_output / self.student_temp).chunk(self.ncrops)
        temp = self.teacher_temp_schedule[epoch]
        teacher_out = F.softmax((teacher_output - self.center) / temp, dim=-1).detach().chunk(2)
        total_loss, n_loss_terms = 0, 0
        for iq, q in enumerate(teacher_out):
            for v in range(len(student_out)):
                if v == iq:  # the student and the teacher saw the same view
                    continue
                total_loss += torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1).mean()
                n_loss_terms += 1
        total_loss /= n_loss_terms
        self.update_center(teacher_output)
        return total_loss

    @torch.no_grad()
    def update_center(self, teacher_output):
        batch_center = torch.sum(teacher_output, dim=0, keepdim=True) / len(teacher_output)
        self.center = self.center * self.center_momentum + batch_center * (1 - self.center_momentum)


def get_params_groups(model):
    regularized, not_regularized = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if name.endswith(".bias") or len(param.shape) == 1:  # no weight decay on biases and norms
            not_regularized.append(param)
        else:
            regularized.append(param)
    return [{"params": regularized}, {"params": not_regularized, "weight_decay": 0.0}]


def clip_gradients(model, clip):
    norms = []
    for _, p in model.named_parameters():
        if p.grad is not None:
            param_norm = p.grad.data.norm(2)
            norms.append(param_norm.item())
            clip_coef = clip / (param_norm + 1e-6)
            if clip_coef < 1:
                p.grad.data.mul_(clip_coef)
    return np.array(norms)


def cancel_gradients_last_layer(epoch, model, freeze_last_layer):
    if args.bug != "head-frozen-for-good" and epoch >= freeze_last_layer:
        return
    for n, p in model.named_parameters():
        if "last_layer" in n:
            p.grad = None


def cosine_scheduler(base_value, final_value, epochs, niter_per_ep, warmup_epochs=0, start_warmup_value=0):
    warmup_iters = warmup_epochs * niter_per_ep
    warmup_schedule = np.linspace(start_warmup_value, base_value, warmup_iters) if warmup_epochs > 0 else np.array([])
    iters = np.arange(epochs * niter_per_ep - warmup_iters)
    schedule = final_value + 0.5 * (base_value - final_value) * (1 + np.cos(np.pi * iters / len(iters)))
    return np.concatenate((warmup_schedule, schedule))


def random_resized_crop(img, size, scale):
    """A random crop of `scale` of the area (aspect ratio 3/4 to 4/3), resized to `size`, and a
    random horizontal flip."""
    _, H, W = img.shape
    for _ in range(10):
        area = H * W * np.random.uniform(*scale)
        ratio = math.exp(np.random.uniform(math.log(3 / 4), math.log(4 / 3)))
        w, h = int(round(math.sqrt(area * ratio))), int(round(math.sqrt(area / ratio)))
        if 0 < w <= W and 0 < h <= H:
            i, j = np.random.randint(0, H - h + 1), np.random.randint(0, W - w + 1)
            break
    else:
        i, j, h, w = 0, 0, H, W
    crop = F.interpolate(img[None, :, i:i + h, j:j + w], size=(size, size), mode="bilinear", align_corners=False)[0]
    return crop.flip(-1) if np.random.rand() < 0.5 else crop


class DataAugmentationDINO:
    def __init__(self, global_crops_scale, local_crops_scale, local_crops_number):
        self.global_crops_scale, self.local_crops_scale = global_crops_scale, local_crops_scale
        self.local_crops_number = local_crops_number

    def __call__(self, image):
        crops = [random_resized_crop(image, 32, self.global_crops_scale) for _ in range(2)]
        crops += [random_resized_crop(image, 16, self.local_crops_scale) for _ in range(self.local_crops_number)]
        return crops


class SyntheticImages(Dataset):
    """Ten colour-and-texture prototypes of 3x32x32 plus per-image noise; labels unused, as in DINO."""

    def __init__(self, n, transform):
        g = torch.Generator().manual_seed(0)
        protos = F.interpolate(torch.randn(10, 3, 8, 8, generator=g), size=(32, 32), mode="bilinear", align_corners=False)
        self.y = torch.randint(0, 10, (n,), generator=g)
        self.x = protos[self.y] + 2.0 * torch.randn(n, 3, 32, 32, generator=g)
        self.transform = transform

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.transform(self.x[i]), int(self.y[i])


def train_one_epoch(student, teacher, dino_loss, data_loader, optimizer, lr_schedule, wd_schedule,
                    momentum_schedule, epoch):
    total = 0.0
    for it, (images, _) in enumerate(data_loader):
        it = len(data_loader) * epoch + it  # global training iteration
        for i, param_group in enumerate(optimizer.param_groups):
            param_group["lr"] = lr_schedule[it]
            if i == 0:  # only the first group is regularized
                param_group["weight_decay"] = wd_schedule[it]

        teacher_output = teacher(images[:2])  # only the 2 global views pass through the teacher
        student_output = student(images)
        loss = dino_loss(student_output, teacher_output, epoch)
        if not math.isfinite(loss.item()):
            print(f"Loss is {loss.item()}, stopping training")
            raise SystemExit(1)

        if args.bug != "no-zero-grad":
            optimizer.zero_grad()
        loss.backward()
        if args.clip_grad:
            clip_gradients(student, args.clip_grad)
        cancel_gradients_last_layer(epoch, student, args.freeze_last_layer)
        optimizer.step()

        with torch.no_grad():  # EMA update for the teacher
            m = momentum_schedule[it]
            for param_q, param_k in zip(student.parameters(), teacher.parameters(), strict=True):
                param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
        total += loss.item()
    print(f"Epoch {epoch}: loss {total / len(data_loader):.4f} lr {optimizer.param_groups[0]['lr']:.2e}")


def train_dino():
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    transform = DataAugmentationDINO(args.global_crops_scale, args.local_crops_scale, args.local_crops_number)
    dataset = SyntheticImages(args.n_images, transform)
    data_loader = DataLoader(dataset, batch_size=args.batch_size_per_gpu, shuffle=True, drop_last=True)

    student = VisionTransformer(patch_size=args.patch_size, drop_path_rate=args.drop_path_rate)
    teacher = VisionTransformer(patch_size=args.patch_size)
    embed_dim = student.embed_dim
    student = MultiCropWrapper(student, DINOHead(embed_dim, args.out_dim, norm_last_layer=args.norm_last_layer))
    teacher = MultiCropWrapper(teacher, DINOHead(embed_dim, args.out_dim))
    teacher.load_state_dict(student.state_dict())  # the teacher starts as the student
    for p in teacher.parameters():  # no backpropagation through the teacher
        p.requires_grad = False

    dino_loss = DINOLoss(args.out_dim, args.local_crops_number + 2, args.warmup_teacher_temp, args.teacher_temp,
                         args.warmup_teacher_temp_epochs, args.epochs)
    optimizer = torch.optim.AdamW(get_params_groups(student))
    lr_schedule = cosine_scheduler(args.lr * args.batch_size_per_gpu / 256.0, args.min_lr, args.epochs,
                                   len(data_loader), warmup_epochs=args.warmup_epochs)
    wd_schedule = cosine_scheduler(args.weight_decay, args.weight_decay_end, args.epochs, len(data_loader))
    momentum_schedule = cosine_scheduler(args.momentum_teacher, 1, args.epochs, len(data_loader))

    for epoch in range(args.epochs):
        train_one_epoch(student, teacher, dino_loss, data_loader, optimizer, lr_schedule, wd_schedule,
                        momentum_schedule, epoch)
    # 1-NN on the features: does the self-supervised embedding separate the (unused) classes?
    for name, net in (("student", student), ("teacher", teacher)):
        net.eval()
        with torch.no_grad():
            feats = F.normalize(net.backbone(dataset.x), dim=1)
        sim = feats @ feats.T
        sim.fill_diagonal_(-2)
        knn = (dataset.y[sim.argmax(1)] == dataset.y).float().mean().item()
        print(f"{name} 1-NN accuracy on the training images: {knn:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser("DINO")
    parser.add_argument("--patch_size", default=4, type=int)
    parser.add_argument("--out_dim", default=256, type=int)
    parser.add_argument("--norm_last_layer", default=True, type=lambda s: s.lower() in ("1", "true", "yes"))
    parser.add_argument("--momentum_teacher", default=0.996, type=float)
    parser.add_argument("--warmup_teacher_temp", default=0.04, type=float)
    parser.add_argument("--teacher_temp", default=0.04, type=float)
    parser.add_argument("--warmup_teacher_temp_epochs", default=0, type=int)
    parser.add_argument("--weight_decay", type=float, default=0.04)
    parser.add_argument("--weight_decay_end", type=float, default=0.4)
    parser.add_argument("--clip_grad", type=float, default=3.0)
    parser.add_argument("--batch_size_per_gpu", default=32, type=int)
    parser.add_argument("--epochs", default=2, type=int)
    parser.add_argument("--freeze_last_layer", default=1, type=int)
    parser.add_argument("--lr", default=0.0005, type=float)
    parser.add_argument("--warmup_epochs", default=1, type=int)
    parser.add_argument("--min_lr", type=float, default=1e-6)
    parser.add_argument("--global_crops_scale", type=float, nargs="+", default=(0.4, 1.0))
    parser.add_argument("--local_crops_number", type=int, default=4)
    parser.add_argument("--local_crops_scale", type=float, nargs="+", default=(0.05, 0.4))
    parser.add_argument("--drop_path_rate", type=float, default=0.1)
    parser.add_argument("--n_images", type=int, default=512)
    parser.add_argument("--seed", default=0, type=int)
    parser.add_argument("--bug", default="", choices=["", "no-zero-grad", "head-frozen-for-good"])
    args = parser.parse_args()
    train_dino()
