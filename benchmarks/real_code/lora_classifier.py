# real: source=https://github.com/rasbt/LLMs-from-scratch/blob/main/appendix-E/01_main-chapter-code/appendix-E.ipynb
# real: args=
# real: bug=lora-a-zero-init expect=dead-parameters
# real: bug=optimizer-before-lora expect=unoptimized-parameters
"""LLMs-from-scratch, appendix E: a GPT classifier fine-tuned with LoRA. The GPTModel of chapter 4
(token and position embeddings, pre-norm blocks with a hand-written LayerNorm, causal multi-head
attention with a registered mask, GELU feed-forward, dropout layers at p=0.0), its out_head
replaced by a 2-class Linear, every parameter frozen, then every Linear (out_head included)
replaced by LinearWithLoRA (the frozen Linear plus alpha·x@A@B, A random, B zeros, rank 8, alpha
8). AdamW(lr=5e-5, weight_decay=0.1) over model.parameters(), frozen ones included; chapter 6's
train_classifier_simple: cross-entropy on the last token's logits, an evaluation every eval_freq
steps of eval_iter batches of the training and validation loaders (eval(), no_grad, then
train()), and after each epoch the accuracy on eval_iter batches of both (eval(), no_grad).
Changed: a tiny GPT (vocabulary 512, 64 wide, 2 blocks, 4 heads) initialised at random instead
of GPT-2's 124M pretrained weights; synthetic SMS-like messages (spam draws half of its tokens
from a few words) padded to the longest with the pad id, instead of the SMS Spam Collection;
lr 3e-4 (a random base model needs more than the pretrained one); 3 epochs, eval every 10 steps."""

import argparse
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--lr", type=float, default=3e-4)
parser.add_argument("--bug", default="", choices=["", "lora-a-zero-init", "optimizer-before-lora"])
args = parser.parse_args()

BASE_CONFIG = {"vocab_size": 512, "context_length": 64, "emb_dim": 64, "n_heads": 4, "n_layers": 2,
               "drop_rate": 0.0, "qkv_bias": True}
PAD_ID = 511


# ---------------------------------------------------------------- data (chapter 6's SpamDataset)
def synthetic_messages(n, seed):
    """Balanced ham/spam messages of 6 to 40 token ids; spam takes a fifth of its tokens from
    twelve 'spam words'."""
    g = torch.Generator().manual_seed(seed)
    spam_words = torch.arange(400, 412)
    texts, labels = [], []
    for i in range(n):
        length = int(torch.randint(6, 41, (1,), generator=g))
        ids = torch.randint(0, 400, (length,), generator=g)
        label = i % 2
        if label:
            pick = torch.rand(length, generator=g) < 0.5
            ids[pick] = spam_words[torch.randint(0, len(spam_words), (int(pick.sum()),), generator=g)]
        texts.append(ids.tolist())
        labels.append(label)
    order = torch.randperm(n, generator=g).tolist()
    return [texts[i] for i in order], [labels[i] for i in order]


class SpamDataset(Dataset):
    def __init__(self, texts, labels, max_length=None, pad_token_id=PAD_ID):
        self.encoded_texts = texts
        self.labels = labels
        self.max_length = max_length if max_length is not None else max(len(t) for t in texts)
        self.encoded_texts = [t[: self.max_length] for t in self.encoded_texts]
        self.encoded_texts = [t + [pad_token_id] * (self.max_length - len(t)) for t in self.encoded_texts]

    def __getitem__(self, index):
        return torch.tensor(self.encoded_texts[index], dtype=torch.long), torch.tensor(self.labels[index], dtype=torch.long)

    def __len__(self):
        return len(self.labels)


texts, labels = synthetic_messages(400, seed=0)
n_train, n_val = int(0.7 * len(texts)), int(0.1 * len(texts))
train_dataset = SpamDataset(texts[:n_train], labels[:n_train])
val_dataset = SpamDataset(texts[n_train:n_train + n_val], labels[n_train:n_train + n_val], max_length=train_dataset.max_length)
test_dataset = SpamDataset(texts[n_train + n_val:], labels[n_train + n_val:], max_length=train_dataset.max_length)
torch.manual_seed(123)
train_loader = DataLoader(train_dataset, batch_size=8, shuffle=True, num_workers=0, drop_last=True)
val_loader = DataLoader(val_dataset, batch_size=8, num_workers=0, drop_last=False)
test_loader = DataLoader(test_dataset, batch_size=8, num_workers=0, drop_last=False)


# ---------------------------------------------------------------- chapter 4's GPTModel
class MultiHeadAttention(nn.Module):
    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        self.d_out, self.num_heads, self.head_dim = d_out, num_heads, d_out // num_heads
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def forward(self, x):
        b, num_tokens, _ = x.shape
        split = (b, num_tokens, self.num_heads, self.head_dim)
        queries = self.W_query(x).view(split).transpose(1, 2)
        keys = self.W_key(x).view(split).transpose(1, 2)
        values = self.W_value(x).view(split).transpose(1, 2)
        attn_scores = queries @ keys.transpose(2, 3)
        attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = self.dropout(torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1))
        context = (attn_weights @ values).transpose(1, 2).contiguous().view(b, num_tokens, self.d_out)
        return self.out_proj(context)


class LayerNorm(nn.Module):
    def __init__(self, emb_dim):
        super().__init__()
        self.eps = 1e-5
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        return self.scale * (x - mean) / torch.sqrt(var + self.eps) + self.shift


class GELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1 + torch.tanh(torch.sqrt(torch.tensor(2.0 / torch.pi)) * (x + 0.044715 * torch.pow(x, 3))))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(cfg["emb_dim"], 4 * cfg["emb_dim"]), GELU(), nn.Linear(4 * cfg["emb_dim"], cfg["emb_dim"]))

    def forward(self, x):
        return self.layers(x)


class TransformerBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.att = MultiHeadAttention(cfg["emb_dim"], cfg["emb_dim"], cfg["context_length"], cfg["drop_rate"],
                                      cfg["n_heads"], cfg["qkv_bias"])
        self.ff = FeedForward(cfg)
        self.norm1, self.norm2 = LayerNorm(cfg["emb_dim"]), LayerNorm(cfg["emb_dim"])
        self.drop_resid = nn.Dropout(cfg["drop_rate"])

    def forward(self, x):
        x = x + self.drop_resid(self.att(self.norm1(x)))
        return x + self.drop_resid(self.ff(self.norm2(x)))


class GPTModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)

    def forward(self, in_idx):
        _, seq_len = in_idx.shape
        x = self.tok_emb(in_idx) + self.pos_emb(torch.arange(seq_len, device=in_idx.device))
        x = self.trf_blocks(self.drop_emb(x))
        return self.out_head(self.final_norm(x))


# ---------------------------------------------------------------- appendix E's LoRA
class LoRALayer(nn.Module):
    def __init__(self, in_dim, out_dim, rank, alpha):
        super().__init__()
        std_dev = 1 / torch.sqrt(torch.tensor(rank).float())
        if args.bug == "lora-a-zero-init":  # A initialised like B
            self.A = nn.Parameter(torch.zeros(in_dim, rank))
        else:
            self.A = nn.Parameter(torch.randn(in_dim, rank) * std_dev)
        self.B = nn.Parameter(torch.zeros(rank, out_dim))
        self.alpha = alpha

    def forward(self, x):
        return self.alpha * (x @ self.A @ self.B)


class LinearWithLoRA(nn.Module):
    def __init__(self, linear, rank, alpha):
        super().__init__()
        self.linear = linear
        self.lora = LoRALayer(linear.in_features, linear.out_features, rank, alpha)

    def forward(self, x):
        return self.linear(x) + self.lora(x)


def replace_linear_with_lora(model, rank, alpha):
    for name, module in model.named_children():
        if isinstance(module, nn.Linear):
            setattr(model, name, LinearWithLoRA(module, rank, alpha))
        else:
            replace_linear_with_lora(module, rank, alpha)


# ---------------------------------------------------------------- chapter 6's training functions
def calc_accuracy_loader(data_loader, model, num_batches=None):
    model.eval()
    correct_predictions, num_examples = 0, 0
    num_batches = len(data_loader) if num_batches is None else min(num_batches, len(data_loader))
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i >= num_batches:
            break
        with torch.no_grad():
            logits = model(input_batch)[:, -1, :]
        predicted_labels = torch.argmax(logits, dim=-1)
        num_examples += predicted_labels.shape[0]
        correct_predictions += (predicted_labels == target_batch).sum().item()
    return correct_predictions / num_examples


def calc_loss_batch(input_batch, target_batch, model):
    logits = model(input_batch)[:, -1, :]
    return torch.nn.functional.cross_entropy(logits, target_batch)


def calc_loss_loader(data_loader, model, num_batches=None):
    if len(data_loader) == 0:
        return float("nan")
    num_batches = len(data_loader) if num_batches is None else min(num_batches, len(data_loader))
    total_loss = 0.0
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i >= num_batches:
            break
        total_loss += calc_loss_batch(input_batch, target_batch, model).item()
    return total_loss / num_batches


def evaluate_model(model, train_loader, val_loader, eval_iter):
    model.eval()
    with torch.no_grad():
        train_loss = calc_loss_loader(train_loader, model, num_batches=eval_iter)
        val_loss = calc_loss_loader(val_loader, model, num_batches=eval_iter)
    model.train()
    return train_loss, val_loss


def train_classifier_simple(model, train_loader, val_loader, optimizer, num_epochs, eval_freq, eval_iter):
    train_losses, val_losses, train_accs, val_accs = [], [], [], []
    examples_seen, global_step = 0, -1
    for epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            loss = calc_loss_batch(input_batch, target_batch, model)
            loss.backward()
            optimizer.step()
            examples_seen += input_batch.shape[0]
            global_step += 1
            if global_step % eval_freq == 0:
                train_loss, val_loss = evaluate_model(model, train_loader, val_loader, eval_iter)
                train_losses.append(train_loss)
                val_losses.append(val_loss)
                print(f"Ep {epoch + 1} (Step {global_step:06d}): Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")
        train_accuracy = calc_accuracy_loader(train_loader, model, num_batches=eval_iter)
        val_accuracy = calc_accuracy_loader(val_loader, model, num_batches=eval_iter)
        print(f"Training accuracy: {train_accuracy * 100:.2f}% | Validation accuracy: {val_accuracy * 100:.2f}%")
        train_accs.append(train_accuracy)
        val_accs.append(val_accuracy)
    return train_losses, val_losses, train_accs, val_accs, examples_seen


torch.manual_seed(123)
model = GPTModel(BASE_CONFIG)
model.eval()
num_classes = 2
model.out_head = nn.Linear(in_features=BASE_CONFIG["emb_dim"], out_features=num_classes)
print(f"Total trainable parameters before: {sum(p.numel() for p in model.parameters() if p.requires_grad):,}")
for param in model.parameters():
    param.requires_grad = False
if args.bug == "optimizer-before-lora":  # the optimizer made from the model before LoRA changes it
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
replace_linear_with_lora(model, rank=8, alpha=8)
print(f"Total trainable LoRA parameters: {sum(p.numel() for p in model.parameters() if p.requires_grad):,}")

start_time = time.time()
torch.manual_seed(123)
if args.bug != "optimizer-before-lora":
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
train_losses, val_losses, train_accs, val_accs, examples_seen = train_classifier_simple(
    model, train_loader, val_loader, optimizer, num_epochs=args.epochs, eval_freq=10, eval_iter=5)
print(f"Training completed in {(time.time() - start_time) / 60:.2f} minutes.")
print(f"Test accuracy: {calc_accuracy_loader(test_loader, model) * 100:.2f}%")
