# expect: clean
# style: HF-style predict.py / inference script (no training at all; @torch.inference_mode + model.eval())
# note: the model runs only under inference_mode with no loss/backward/optimizer - not a training-under-no_grad bug
import argparse
import csv

import torch
import torch.nn as nn


class SentimentModel(nn.Module):
    def __init__(self, vocab=30000, dim=128, num_labels=3):
        super().__init__()
        self.embeddings = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.pre_classifier = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(dim, num_labels)

    def forward(self, input_ids):
        h = torch.relu(self.pre_classifier(self.embeddings(input_ids)))
        return self.classifier(self.dropout(h))


def tokenize(text, vocab=30000, max_len=64):
    ids = [hash(w) % (vocab - 1) + 1 for w in text.lower().split()][:max_len]
    return ids + [0] * (max_len - len(ids))


@torch.inference_mode()
def predict(model, texts, batch_size=32):
    model.eval()
    results = []
    for i in range(0, len(texts), batch_size):
        chunk = texts[i:i + batch_size]
        input_ids = torch.tensor([tokenize(t) for t in chunk])
        probs = model(input_ids).softmax(dim=-1)
        for text, p in zip(chunk, probs):
            results.append({"text": text, "label": int(p.argmax()), "score": float(p.max())})
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output_file", default="predictions.csv")
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    model = SentimentModel()
    texts = ["the movie was great", "terrible plot and worse acting", "it was fine I guess"] * 20
    rows = predict(model, texts, args.batch_size)
    with open(args.output_file, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "label", "score"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} predictions to {args.output_file}")


if __name__ == "__main__":
    main()
