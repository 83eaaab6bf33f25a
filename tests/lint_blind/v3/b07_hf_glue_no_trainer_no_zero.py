# expect: TVL003
# style: HF transformers examples run_glue_no_trainer.py (manual loop, gradient accumulation, linear warmup)
# bug: gradient accumulation loop steps the optimizer every N batches but never calls optimizer.zero_grad(), so gradients pile up across updates
import argparse
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

logger = logging.getLogger(__name__)


class BagOfWordsClassifier(nn.Module):
    def __init__(self, vocab_size=30522, hidden=256, num_labels=2):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, hidden, mode="mean")
        self.classifier = nn.Sequential(nn.Dropout(0.1), nn.Linear(hidden, num_labels))

    def forward(self, input_ids, labels=None):
        logits = self.classifier(self.embed(input_ids))
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return loss, logits


def parse_args():
    parser = argparse.ArgumentParser(description="Finetune on a GLUE task")
    parser.add_argument("--per_device_train_batch_size", type=int, default=32)
    parser.add_argument("--learning_rate", type=float, default=5e-5)
    parser.add_argument("--num_train_epochs", type=int, default=3)
    parser.add_argument("--gradient_accumulation_steps", type=int, default=4)
    parser.add_argument("--num_warmup_steps", type=int, default=100)
    return parser.parse_args()


def main():
    args = parse_args()
    ids = torch.randint(0, 30522, (4096, 64))
    labels = torch.randint(0, 2, (4096,))
    train_dataloader = DataLoader(TensorDataset(ids, labels), shuffle=True, batch_size=args.per_device_train_batch_size)
    model = BagOfWordsClassifier()
    no_decay = ["bias", "LayerNorm.weight"]
    grouped = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(grouped, lr=args.learning_rate)
    num_update_steps_per_epoch = math.ceil(len(train_dataloader) / args.gradient_accumulation_steps)
    max_train_steps = args.num_train_epochs * num_update_steps_per_epoch
    lr_scheduler = get_linear_schedule_with_warmup(optimizer, args.num_warmup_steps, max_train_steps)

    progress_bar = tqdm(range(max_train_steps))
    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        for step, (input_ids, y) in enumerate(train_dataloader):
            loss, _ = model(input_ids, labels=y)
            loss = loss / args.gradient_accumulation_steps
            loss.backward()
            if step % args.gradient_accumulation_steps == 0 or step == len(train_dataloader) - 1:
                optimizer.step()
                lr_scheduler.step()
                progress_bar.update(1)
                completed_steps += 1
        logger.info("epoch %d: completed_steps=%d last_loss=%.4f", epoch, completed_steps, loss.item())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
