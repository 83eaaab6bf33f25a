# real: source=https://github.com/huggingface/transformers/blob/main/examples/pytorch/text-classification/run_glue.py
# real: args=
# real: bug=label-map-miss expect=single-class-labels
# real: bug=learning-rate-typo expect=lr-too-large,exploding-gradient,loss-not-decreasing
# real: bug=base-frozen-head-too expect=loss-not-decreasing
"""Hugging Face's run_glue.py: a sequence-classification model (BertForSequenceClassification
from a config), the dataset tokenized with padding to max_length and its string labels mapped
through label2id, Trainer with TrainingArguments (AdamW at 2e-5 with a linear schedule, evaluation
and logging every epoch, weight decay 0.01), compute_metrics giving accuracy, trainer.train() then
trainer.evaluate(). Changed: a 2-layer, 64-wide BERT from a config (no download), synthetic
"sentences" of token ids whose class decides which tokens are frequent, labels as the strings
"negative" / "positive" as a CSV's would be, 512 training and 128 evaluation examples, lr 1e-3 for
so small a model, 4 epochs on the CPU, no output files; the raw datasets are built in memory
(datasets.Dataset.from_dict) and mapped with batched=True as run_glue maps the GLUE files."""

import argparse
import tempfile

import torch
from datasets import Dataset
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

torch.set_num_threads(1)

parser = argparse.ArgumentParser()
parser.add_argument("--max_seq_length", type=int, default=24)
parser.add_argument("--learning_rate", type=float, default=1e-3)
parser.add_argument("--num_train_epochs", type=int, default=4)
parser.add_argument("--per_device_train_batch_size", type=int, default=32)
parser.add_argument("--output_dir", default="")
parser.add_argument("--bug", default="", choices=["", "label-map-miss", "learning-rate-typo", "base-frozen-head-too"])
args = parser.parse_args()

VOCAB = 200
label_list = ["negative", "positive"]
label_to_id = {v: i for i, v in enumerate(label_list)}


def raw_dataset(n, seed):
    """Sentences (token ids, variable length) and their string labels, as a CSV would give them."""
    g = torch.Generator().manual_seed(seed)
    tokens, labels = [], []
    for _ in range(n):
        label = int(torch.randint(0, 2, (1,), generator=g))
        length = int(torch.randint(8, args.max_seq_length - 2, (1,), generator=g))
        common = torch.randint(5, VOCAB, (length,), generator=g)
        cue = torch.randint(5 + 20 * label, 25 + 20 * label, (length,), generator=g)
        use_cue = torch.rand(length, generator=g) < 0.3
        tokens.append(torch.where(use_cue, cue, common).tolist())
        labels.append(label_list[label])
    return Dataset.from_dict({"tokens": tokens, "label": labels})


def preprocess_function(examples):
    """Tokenize with padding to max_length ([CLS]=1, [SEP]=2, [PAD]=0) and map the labels."""
    result = {"input_ids": [], "attention_mask": [], "token_type_ids": []}
    for tokens in examples["tokens"]:
        ids = [1] + tokens[: args.max_seq_length - 2] + [2]
        pad = args.max_seq_length - len(ids)
        result["input_ids"].append(ids + [0] * pad)
        result["attention_mask"].append([1] * len(ids) + [0] * pad)
        result["token_type_ids"].append([0] * args.max_seq_length)
    if args.bug == "label-map-miss":  # the CSV's labels read as "Positive"/"Negative": every get() falls back
        result["label"] = [label_to_id.get(v.capitalize(), 0) for v in examples["label"]]
    else:
        result["label"] = [label_to_id[v] for v in examples["label"]]
    return result


def compute_metrics(p):
    preds = p.predictions[0] if isinstance(p.predictions, tuple) else p.predictions
    preds = preds.argmax(axis=1)
    return {"accuracy": float((preds == p.label_ids).mean())}


def main():
    torch.manual_seed(42)
    config = BertConfig(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=128, max_position_embeddings=64, num_labels=len(label_list),
                        id2label=dict(enumerate(label_list)), label2id=label_to_id)
    model = BertForSequenceClassification(config)
    if args.bug == "base-frozen-head-too":  # meant to freeze the encoder; the loop catches every parameter
        for name, param in model.named_parameters():
            if not name.startswith("bert.pooler"):
                param.requires_grad = False
    train_dataset = raw_dataset(512, 0).map(preprocess_function, batched=True, remove_columns=["tokens"])
    eval_dataset = raw_dataset(128, 1).map(preprocess_function, batched=True, remove_columns=["tokens"])
    lr = args.learning_rate * 1000 if args.bug == "learning-rate-typo" else args.learning_rate  # 1 instead of 1e-3
    training_args = TrainingArguments(
        output_dir=args.output_dir or tempfile.mkdtemp(), learning_rate=lr, num_train_epochs=args.num_train_epochs,
        per_device_train_batch_size=args.per_device_train_batch_size, per_device_eval_batch_size=64,
        weight_decay=0.01, eval_strategy="epoch", logging_strategy="epoch", save_strategy="no",
        report_to="none", use_cpu=True, seed=42, disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=training_args, train_dataset=train_dataset, eval_dataset=eval_dataset,
                      compute_metrics=compute_metrics)
    trainer.train()
    metrics = trainer.evaluate()
    print(f"eval accuracy {metrics['eval_accuracy']:.3f}")


if __name__ == "__main__":
    main()
