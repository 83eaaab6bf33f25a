# expect: TVL006
# style: Hugging Face Trainer subclass overriding create_optimizer and compute_loss (sequence classification fine-tuning)
# bug: create_optimizer() only gives the classifier parameters to AdamW but the encoder is never frozen, so encoder gradients are computed and never applied
import argparse
import torch
import torch.nn as nn
from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments


class WeightedLossTrainer(Trainer):
    def __init__(self, *args, class_weights=None, head_lr=1e-3, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights
        self.head_lr = head_lr

    def create_optimizer(self):
        if self.optimizer is None:
            head_params = [p for n, p in self.model.named_parameters() if n.startswith("classifier")]
            self.optimizer = torch.optim.AdamW(head_params, lr=self.head_lr,
                                               weight_decay=self.args.weight_decay)
        return self.optimizer

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        weight = self.class_weights.to(outputs.logits.device)
        loss = nn.functional.cross_entropy(outputs.logits, labels, weight=weight)
        return (loss, outputs) if return_outputs else loss


class ToyTextDataset(torch.utils.data.Dataset):
    def __init__(self, tokenizer, n=512):
        texts = [f"sample review number {i} {'good' if i % 3 else 'bad'}" for i in range(n)]
        self.enc = tokenizer(texts, truncation=True, padding="max_length", max_length=32)
        self.labels = [int(i % 3 != 0) for i in range(n)]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        item = {k: torch.tensor(v[i]) for k, v in self.enc.items()}
        item["labels"] = torch.tensor(self.labels[i])
        return item


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model_name_or_path", default="distilbert-base-uncased")
    ap.add_argument("--output_dir", default="out")
    ap.add_argument("--epochs", type=float, default=3)
    args = ap.parse_args()
    tok = AutoTokenizer.from_pretrained(args.model_name_or_path)
    model = AutoModelForSequenceClassification.from_pretrained(args.model_name_or_path, num_labels=2)
    targs = TrainingArguments(args.output_dir, num_train_epochs=args.epochs, per_device_train_batch_size=16,
                              weight_decay=0.01, logging_steps=20, report_to=[])
    trainer = WeightedLossTrainer(model=model, args=targs, train_dataset=ToyTextDataset(tok),
                                  eval_dataset=ToyTextDataset(tok, 128),
                                  class_weights=torch.tensor([2.0, 1.0]), head_lr=5e-4)
    trainer.train()
    print(trainer.evaluate())


if __name__ == "__main__":
    main()
