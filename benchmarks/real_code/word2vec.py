# real: source=https://github.com/Andras7/word2vec-pytorch (word2vec/model.py, word2vec/trainer.py)
# real: args=
# real: bug=no-zero-grad expect=grads-not-cleared
"""Andras7/word2vec-pytorch: skip-gram with negative sampling over u/v nn.Embedding(sparse=True),
and a trainer that builds a new optim.SparseAdam and CosineAnnealingLR(T_max=len(dataloader)) on
every pass, stepping the scheduler per batch before zero_grad/backward/step. Changed: a synthetic
clustered corpus, in-memory pairs with unigram^0.75 negatives, lr 0.03, three passes."""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.nn import init
from torch.utils.data import DataLoader, Dataset

torch.set_num_threads(1)


class SkipGramModel(nn.Module):

    def __init__(self, emb_size, emb_dimension):
        super().__init__()
        self.emb_size = emb_size
        self.emb_dimension = emb_dimension
        self.u_embeddings = nn.Embedding(emb_size, emb_dimension, sparse=True)
        self.v_embeddings = nn.Embedding(emb_size, emb_dimension, sparse=True)

        initrange = 1.0 / self.emb_dimension
        init.uniform_(self.u_embeddings.weight.data, -initrange, initrange)
        init.constant_(self.v_embeddings.weight.data, 0)

    def forward(self, pos_u, pos_v, neg_v):
        emb_u = self.u_embeddings(pos_u)
        emb_v = self.v_embeddings(pos_v)
        emb_neg_v = self.v_embeddings(neg_v)

        score = torch.sum(torch.mul(emb_u, emb_v), dim=1)
        score = torch.clamp(score, max=10, min=-10)
        score = -F.logsigmoid(score)

        neg_score = torch.bmm(emb_neg_v, emb_u.unsqueeze(2)).squeeze()
        neg_score = torch.clamp(neg_score, max=10, min=-10)
        neg_score = -torch.sum(F.logsigmoid(-neg_score), dim=1)

        return torch.mean(score + neg_score)


class Word2vecDataset(Dataset):
    """Center/context pairs within a window, five negatives from the unigram^0.75 table."""

    def __init__(self, sentences, vocab, window_size=2, negatives=5, seed=0):
        self.rng = np.random.RandomState(seed)
        counts = np.bincount(np.concatenate(sentences), minlength=vocab).astype(np.float64)
        probs = counts ** 0.75
        self.neg_table = self.rng.choice(vocab, size=100000, p=probs / probs.sum())
        self.neg_pos = 0
        self.negatives = negatives
        self.pairs = [(s[i], s[j]) for s in sentences for i in range(len(s))
                      for j in range(max(0, i - window_size), min(len(s), i + window_size + 1))
                      if i != j]

    def __len__(self):
        return len(self.pairs)

    def get_negatives(self, size):
        response = self.neg_table[self.neg_pos:self.neg_pos + size]
        self.neg_pos = (self.neg_pos + size) % len(self.neg_table)
        if len(response) != size:
            return np.concatenate((response, self.neg_table[0:self.neg_pos]))
        return response

    def __getitem__(self, idx):
        u, v = self.pairs[idx]
        return u, v, self.get_negatives(self.negatives)

    @staticmethod
    def collate(batches):
        all_u = torch.LongTensor([u for u, _, _ in batches])
        all_v = torch.LongTensor([v for _, v, _ in batches])
        all_neg_v = torch.LongTensor(np.stack([n for _, _, n in batches]))
        return all_u, all_v, all_neg_v


def synthetic_corpus(n_sentences=240, vocab=200, clusters=10, length=8, seed=0):
    rng = np.random.RandomState(seed)
    size = vocab // clusters
    return [rng.randint(0, size, length) + size * rng.randint(clusters)
            for _ in range(n_sentences)]


class Word2VecTrainer:
    def __init__(self, emb_dimension=32, batch_size=128, window_size=2, iterations=3,
                 initial_lr=0.03, bug=""):
        self.vocab = 200
        self.sentences = synthetic_corpus(vocab=self.vocab)
        dataset = Word2vecDataset(self.sentences, self.vocab, window_size)
        self.dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                                     num_workers=0, collate_fn=dataset.collate)
        self.emb_dimension = emb_dimension
        self.iterations = iterations
        self.initial_lr = initial_lr
        self.bug = bug
        self.skip_gram_model = SkipGramModel(self.vocab, self.emb_dimension)
        self.device = torch.device("cpu")

    def train(self):
        for iteration in range(self.iterations):
            print(f"\nIteration: {iteration + 1}")
            optimizer = optim.SparseAdam(list(self.skip_gram_model.parameters()),
                                         lr=self.initial_lr)
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer,
                                                                   len(self.dataloader))

            running_loss = 0.0
            for i, sample_batched in enumerate(self.dataloader):
                if len(sample_batched[0]) > 1:
                    pos_u = sample_batched[0].to(self.device)
                    pos_v = sample_batched[1].to(self.device)
                    neg_v = sample_batched[2].to(self.device)

                    scheduler.step()
                    if self.bug != "no-zero-grad":
                        optimizer.zero_grad()
                    loss = self.skip_gram_model.forward(pos_u, pos_v, neg_v)
                    loss.backward()
                    optimizer.step()

                    running_loss = running_loss * 0.9 + loss.item() * 0.1
                    if i > 0 and i % 20 == 0:
                        print(" Loss: " + str(running_loss))

    def cluster_score(self):
        """Mean cosine similarity of u-embeddings inside a cluster minus across clusters."""
        emb = F.normalize(self.skip_gram_model.u_embeddings.weight.detach(), dim=1)
        sim = emb @ emb.t()
        cluster = torch.arange(self.vocab) // (self.vocab // 10)
        same = cluster[:, None] == cluster[None, :]
        return (sim[same].mean() - sim[~same].mean()).item()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.03)
    parser.add_argument("--bug", default="", choices=["", "no-zero-grad"])
    args = parser.parse_args()
    torch.manual_seed(0)
    w2v = Word2VecTrainer(iterations=args.iterations, initial_lr=args.lr, bug=args.bug)
    print(f"cluster score before: {w2v.cluster_score():.3f}")
    w2v.train()
    print(f"cluster score after: {w2v.cluster_score():.3f}")
