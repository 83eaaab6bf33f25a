# real: source=https://github.com/pytorch/examples/blob/main/gcn/main.py
# real: args=
# real: bug=eval-left-on expect=training-in-eval-mode
# real: bug=softmax-output expect=probabilities-as-logits
"""pytorch/examples GCN: two GraphConv layers (nn.Parameter kernel, torch.spmm with the sparse
renormalised adjacency), ReLU, dropout, log_softmax, NLLLoss on train nodes, Adam(lr=0.01,
weight_decay=5e-4), one full-graph step per epoch then train/val evaluation in eval()/no_grad.
Changed: a synthetic stochastic-block-model graph with bag-of-words features, 100 epochs."""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import Adam

torch.set_num_threads(1)


class GraphConv(nn.Module):
    """H' = A_hat H W (+ b), A_hat the renormalised adjacency."""

    def __init__(self, input_dim, output_dim, use_bias=False):
        super().__init__()
        self.kernel = nn.Parameter(torch.Tensor(input_dim, output_dim))
        nn.init.xavier_normal_(self.kernel)
        self.bias = None
        if use_bias:
            self.bias = nn.Parameter(torch.Tensor(output_dim))
            nn.init.zeros_(self.bias)

    def forward(self, input_tensor, adj_mat):
        support = torch.mm(input_tensor, self.kernel)
        output = torch.spmm(adj_mat, support)
        if self.bias is not None:
            output = output + self.bias
        return output


class GCN(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1,
                 softmax_output=False):
        super().__init__()
        self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
        self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)
        self.dropout = nn.Dropout(dropout_p)
        self.softmax_output = softmax_output

    def forward(self, input_tensor, adj_mat):
        x = self.gc1(input_tensor, adj_mat)
        x = F.relu(x)
        x = self.dropout(x)
        x = self.gc2(x, adj_mat)
        if self.softmax_output:  # "the output should be class probabilities"
            return F.softmax(x, dim=1)
        return F.log_softmax(x, dim=1)


def synthetic_citation_graph(nodes=320, classes=4, words=120, seed=0):
    """A stochastic block model: edges mostly inside a community; each community favours its
    own slice of the vocabulary. Returns row-normalised features, labels and A_hat (sparse)."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, classes, nodes)
    same = labels[:, None] == labels[None, :]
    prob = np.where(same, 0.04, 0.004)
    upper = np.triu(rng.rand(nodes, nodes) < prob, 1)
    edges = np.argwhere(upper | upper.T)
    word_prob = np.full((classes, words), 0.02)
    for c in range(classes):
        word_prob[c, c * words // classes:(c + 1) * words // classes] = 0.12
    bag = (rng.rand(nodes, words) < word_prob[labels]).astype(np.float32)

    features = torch.from_numpy(bag)
    scale_vector = 1 / torch.sum(features, dim=1)
    scale_vector[scale_vector == float("inf")] = 0
    features = torch.diag(scale_vector).to_sparse() @ features

    V, E = nodes, edges.shape[0]
    adj_mat = torch.sparse_coo_tensor(torch.from_numpy(edges.T), torch.ones(E), (V, V))
    adj_mat = torch.eye(V) + adj_mat  # self-loops
    degree_mat = torch.sum(adj_mat, dim=1)
    degree_mat = torch.sqrt(1 / degree_mat)
    degree_mat[degree_mat == float("inf")] = 0
    degree_mat = torch.diag(degree_mat).to_sparse()
    adj_mat = degree_mat @ adj_mat @ degree_mat
    return features, torch.from_numpy(labels).long(), adj_mat.to_sparse()


def train_iter(epoch, model, optimizer, criterion, input, target, mask_train, mask_val,
               print_every=10, bug=""):
    start_t = time.time()
    if bug != "eval-left-on":
        model.train()
    optimizer.zero_grad()

    # Forward pass
    output = model(*input)
    loss = criterion(output[mask_train], target[mask_train])

    loss.backward()
    optimizer.step()

    # Evaluate the model performance on training and validation sets
    loss_train, acc_train = test(model, criterion, input, target, mask_train)
    loss_val, acc_val = test(model, criterion, input, target, mask_val)

    if epoch % print_every == 0:
        print(f"Epoch: {epoch:04d} ({(time.time() - start_t):.4f}s) loss_train: {loss_train:.4f} "
              f"acc_train: {acc_train:.4f} loss_val: {loss_val:.4f} acc_val: {acc_val:.4f}")


def test(model, criterion, input, target, mask):
    model.eval()
    with torch.no_grad():
        output = model(*input)
        output, target = output[mask], target[mask]

        loss = criterion(output, target)
        acc = (output.argmax(dim=1) == target).float().sum() / len(target)
    return loss.item(), acc.item()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="PyTorch Graph Convolutional Network")
    parser.add_argument("--epochs", type=int, default=100,
                        help="number of epochs to train (default: 100)")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (default: 0.01)")
    parser.add_argument("--l2", type=float, default=5e-4, help="weight decay (default: 5e-4)")
    parser.add_argument("--dropout-p", type=float, default=0.5,
                        help="dropout probability (default: 0.5)")
    parser.add_argument("--hidden-dim", type=int, default=16,
                        help="dimension of the hidden representation (default: 16)")
    parser.add_argument("--val-every", type=int, default=20,
                        help="epochs to wait for print training and validation evaluation")
    parser.add_argument("--include-bias", action="store_true",
                        help="use bias term in convolutions (default: False)")
    parser.add_argument("--seed", type=int, default=42, metavar="S",
                        help="random seed (default: 42)")
    parser.add_argument("--bug", default="", choices=["", "eval-left-on", "softmax-output"])
    args = parser.parse_args()

    torch.manual_seed(args.seed)

    features, labels, adj_mat = synthetic_citation_graph()
    idx = torch.randperm(len(labels))
    idx_test, idx_val, idx_train = idx[:120], idx[120:200], idx[200:]

    gcn = GCN(features.shape[1], args.hidden_dim, labels.max().item() + 1, args.include_bias,
              args.dropout_p, softmax_output=args.bug == "softmax-output")
    optimizer = Adam(gcn.parameters(), lr=args.lr, weight_decay=args.l2)
    criterion = nn.NLLLoss()

    for epoch in range(args.epochs):
        train_iter(epoch + 1, gcn, optimizer, criterion, (features, adj_mat), labels, idx_train,
                   idx_val, args.val_every, bug=args.bug)

    loss_test, acc_test = test(gcn, criterion, (features, adj_mat), labels, idx_test)
    print(f"Test set results: loss {loss_test:.4f} accuracy {acc_test:.4f}")
