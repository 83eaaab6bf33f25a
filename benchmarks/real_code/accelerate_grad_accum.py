# real: source=https://github.com/huggingface/accelerate/blob/main/examples/by_feature/gradient_accumulation.py
# real: args=--gradient_accumulation_steps 2 --cpu
# real: bug=zero-grad-every-batch expect=skipped-steps
# real: bug=scheduler-every-batch expect=scheduler-step-mismatch
# real: bug=train-mode-once expect=training-in-eval-mode
"""Accelerate's gradient_accumulation example: a sequence-pair classifier (BERT) on MRPC-like
data, the label column renamed to "labels", batches padded to their longest by a collate_fn,
AdamW with a linear warm-up schedule, accelerator.prepare over model, optimizer, both
DataLoaders and the scheduler; micro-batches that do not step run under accelerator.no_sync,
the loss divided by gradient_accumulation_steps, accelerator.backward, and every
gradient_accumulation_steps-th batch (step % n == 0) optimizer.step(), lr_scheduler.step(),
optimizer.zero_grad(); evaluation each epoch in eval() under no_grad with accelerator.gather
and an accuracy computed by hand (the example's evaluate.load("glue", "mrpc") reads the hub).
Changed: a 2-layer, 64-wide BERT from a config (no download), synthetic sentence pairs of token
ids whose label says which topics the second sentence's tokens come from, 384 training and 96
evaluation pairs, lr 1e-3 and 10 warm-up steps for so small a model, 4 epochs."""

import argparse

import torch
from accelerate import Accelerator
from datasets import Dataset
from torch.optim import AdamW
from torch.utils.data import DataLoader
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    get_linear_schedule_with_warmup,
    set_seed,
)

torch.set_num_threads(1)

MAX_GPU_BATCH_SIZE = 16
EVAL_BATCH_SIZE = 32
VOCAB = 160


def pairs(n, seed):
    """[CLS] a [SEP] b [SEP] token ids: label 1 when b draws from one of the first four topics."""
    g = torch.Generator().manual_seed(seed)
    rows = {"input_ids": [], "token_type_ids": [], "attention_mask": [], "label": []}
    for _ in range(n):
        label = int(torch.randint(0, 2, (1,), generator=g))
        topic = int(torch.randint(0, 8, (1,), generator=g))
        other = int(torch.randint(0, 4, (1,), generator=g)) + (0 if label else 4)
        la, lb = (int(torch.randint(4, 12, (1,), generator=g)) for _ in range(2))
        a = (torch.randint(0, 16, (la,), generator=g) + 8 + 16 * topic).tolist()
        b = (torch.randint(0, 16, (lb,), generator=g) + 8 + 16 * other).tolist()
        ids = [1] + a + [2] + b + [2]
        rows["input_ids"].append(ids)
        rows["token_type_ids"].append([0] * (la + 2) + [1] * (lb + 1))
        rows["attention_mask"].append([1] * len(ids))
        rows["label"].append(label)
    return Dataset.from_dict(rows)


def get_dataloaders(batch_size=16):
    tokenized = {"train": pairs(384, 0), "validation": pairs(96, 1)}
    tokenized = {k: v.rename_column("label", "labels") for k, v in tokenized.items()}

    def collate_fn(examples):
        """tokenizer.pad(examples, padding="longest", return_tensors="pt"), for these ids."""
        longest = max(len(e["input_ids"]) for e in examples)
        out = {k: torch.tensor([e[k] + [0] * (longest - len(e[k])) for e in examples])
               for k in ("input_ids", "token_type_ids", "attention_mask")}
        out["labels"] = torch.tensor([e["labels"] for e in examples])
        return out

    train_dataloader = DataLoader(tokenized["train"], shuffle=True, collate_fn=collate_fn, batch_size=batch_size)
    eval_dataloader = DataLoader(tokenized["validation"], shuffle=False, collate_fn=collate_fn, batch_size=EVAL_BATCH_SIZE)
    return train_dataloader, eval_dataloader


def training_function(config, args):
    accelerator = Accelerator(cpu=args.cpu, mixed_precision=args.mixed_precision)
    lr, num_epochs, seed, batch_size = config["lr"], int(config["num_epochs"]), int(config["seed"]), int(config["batch_size"])
    gradient_accumulation_steps = int(args.gradient_accumulation_steps)

    set_seed(seed)
    train_dataloader, eval_dataloader = get_dataloaders(batch_size)
    model = BertForSequenceClassification(BertConfig(
        vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
        max_position_embeddings=64, num_labels=2))
    model = model.to(accelerator.device)
    optimizer = AdamW(params=model.parameters(), lr=lr)
    lr_scheduler = get_linear_schedule_with_warmup(
        optimizer=optimizer, num_warmup_steps=10,
        num_training_steps=(len(train_dataloader) * num_epochs) // gradient_accumulation_steps,
    )
    model, optimizer, train_dataloader, eval_dataloader, lr_scheduler = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloader, lr_scheduler
    )

    if args.bug == "train-mode-once":
        model.train()
    for epoch in range(num_epochs):
        if args.bug != "train-mode-once":
            model.train()
        for step, batch in enumerate(train_dataloader):
            batch = {k: v.to(accelerator.device) for k, v in batch.items()}
            if args.bug == "zero-grad-every-batch":
                optimizer.zero_grad()
            if step % gradient_accumulation_steps != 0:
                with accelerator.no_sync(model):
                    output = model(**batch)
                    loss = output.loss / gradient_accumulation_steps
                    accelerator.backward(loss)
                if args.bug == "scheduler-every-batch":
                    lr_scheduler.step()
            else:
                output = model(**batch)
                loss = output.loss / gradient_accumulation_steps
                accelerator.backward(loss)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()

        model.eval()
        correct = total = 0
        for batch in eval_dataloader:
            batch = {k: v.to(accelerator.device) for k, v in batch.items()}
            with torch.no_grad():
                outputs = model(**batch)
            predictions = outputs.logits.argmax(dim=-1)
            predictions, references = accelerator.gather((predictions, batch["labels"]))
            correct += int((predictions == references).sum())
            total += references.numel()
        accelerator.print(f"epoch {epoch}:", {"accuracy": correct / total})


def main():
    parser = argparse.ArgumentParser(description="Simple example of training script.")
    parser.add_argument("--mixed_precision", type=str, default="no", choices=["no", "fp16", "bf16"])
    parser.add_argument("--gradient_accumulation_steps", type=int, default=1)
    parser.add_argument("--cpu", action="store_true", help="If passed, will train on the CPU.")
    parser.add_argument("--bug", default="", choices=["", "zero-grad-every-batch", "scheduler-every-batch", "train-mode-once"])
    args = parser.parse_args()
    config = {"lr": 1e-3, "num_epochs": 4, "correct_bias": True, "seed": 42, "batch_size": 16}
    training_function(config, args)


if __name__ == "__main__":
    main()
