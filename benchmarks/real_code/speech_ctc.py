# real: source=https://www.assemblyai.com/blog/end-to-end-speech-recognition-pytorch
# real: args=
# real: bug=no-model-train expect=training-in-eval-mode
# real: bug=no-log-softmax expect=logits-as-log-probs
# real: bug=published-batch-first expect=batch-mixing
"""AssemblyAI's "Building an end-to-end Speech Recognition model in PyTorch" (DeepSpeech2-like,
copied into many repositories): a Conv2d(stride 2) front, ResidualCNN blocks with a CNNLayerNorm
over the features, a Linear to the RNN width, BidirectionalGRU layers (LayerNorm, GELU, dropout),
a classifier (Linear, GELU, Dropout, Linear); spectrograms padded with pad_sequence in a
collate function that also returns input lengths (halved by the stride) and label lengths;
train(): model.train(), zero_grad, log_softmax over classes, transpose to (time, batch, class),
nn.CTCLoss(blank=n_class - 1), backward, step, OneCycleLR(max_lr, linear) stepped per batch;
test(): model.eval(), no_grad, the same loss averaged over the loader, greedy decoding
(collapse repeats, drop blanks) and the character error rate.
Fixed: the tutorial builds its GRU layers with batch_first=i == 0, so every layer after the
first reads the batch as time and mixes the samples (torchvitals' batch-mixing check found it);
the healthy run uses batch_first=True throughout, `--bug published-batch-first` the original.
Changed: synthetic "spectrograms" (32 bands): each of 5 characters has its own band pattern,
drawn for 3 to 5 frames with noise, between short silences, instead of LibriSpeech through
torchaudio (not installed); no SpecAugment; 2 residual blocks, 2 GRU layers of 64, batch 8,
6 epochs of 25 batches, max_lr 2e-3; no comet_ml."""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--bug", default="", choices=["", "no-model-train", "no-log-softmax", "published-batch-first"])
args = parser.parse_args()
N_CHARS, N_FEATS = 5, 32
BLANK = N_CHARS  # the last class, as blank=28 after 28 characters in the original


class SyntheticSpeech(Dataset):
    """(spectrogram (time, n_feats), label ids): 2 to 5 characters, each drawn from its own
    fixed band pattern for 3 to 5 frames, with silence between."""

    templates = torch.rand(N_CHARS, N_FEATS, generator=torch.Generator().manual_seed(7)) * 2

    def __init__(self, n, seed):
        self.n, self.seed = n, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 7919 + i)
        labels = torch.randint(0, N_CHARS, (int(torch.randint(2, 6, (1,), generator=g)),), generator=g)
        frames = [torch.zeros(int(torch.randint(1, 3, (1,), generator=g)), N_FEATS)]
        for c in labels.tolist():
            frames.append(self.templates[c].expand(int(torch.randint(3, 6, (1,), generator=g)), N_FEATS))
            frames.append(torch.zeros(int(torch.randint(1, 3, (1,), generator=g)), N_FEATS))
        spec = torch.cat(frames)
        return spec + 0.3 * torch.randn(spec.shape, generator=g), labels


def data_processing(data):
    spectrograms, labels, input_lengths, label_lengths = [], [], [], []
    for spec, label in data:
        spectrograms.append(spec)
        labels.append(label)
        input_lengths.append(spec.shape[0] // 2)
        label_lengths.append(len(label))
    spectrograms = nn.utils.rnn.pad_sequence(spectrograms, batch_first=True).unsqueeze(1).transpose(2, 3)
    labels = nn.utils.rnn.pad_sequence(labels, batch_first=True)
    return spectrograms, labels, input_lengths, label_lengths


class CNNLayerNorm(nn.Module):
    def __init__(self, n_feats):
        super().__init__()
        self.layer_norm = nn.LayerNorm(n_feats)

    def forward(self, x):  # (batch, channel, feature, time)
        x = x.transpose(2, 3).contiguous()
        return self.layer_norm(x).transpose(2, 3).contiguous()


class ResidualCNN(nn.Module):
    def __init__(self, in_channels, out_channels, kernel, stride, dropout, n_feats):
        super().__init__()
        self.cnn1 = nn.Conv2d(in_channels, out_channels, kernel, stride, padding=kernel // 2)
        self.cnn2 = nn.Conv2d(out_channels, out_channels, kernel, stride, padding=kernel // 2)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)
        self.layer_norm1, self.layer_norm2 = CNNLayerNorm(n_feats), CNNLayerNorm(n_feats)

    def forward(self, x):
        residual = x
        x = self.cnn1(self.dropout1(F.gelu(self.layer_norm1(x))))
        x = self.cnn2(self.dropout2(F.gelu(self.layer_norm2(x))))
        return x + residual


class BidirectionalGRU(nn.Module):
    def __init__(self, rnn_dim, hidden_size, dropout, batch_first):
        super().__init__()
        self.BiGRU = nn.GRU(input_size=rnn_dim, hidden_size=hidden_size, num_layers=1, batch_first=batch_first, bidirectional=True)
        self.layer_norm = nn.LayerNorm(rnn_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        x, _ = self.BiGRU(F.gelu(self.layer_norm(x)))
        return self.dropout(x)


class SpeechRecognitionModel(nn.Module):
    def __init__(self, n_cnn_layers, n_rnn_layers, rnn_dim, n_class, n_feats, stride=2, dropout=0.1):
        super().__init__()
        n_feats = n_feats // 2
        self.cnn = nn.Conv2d(1, 32, 3, stride=stride, padding=3 // 2)
        self.rescnn_layers = nn.Sequential(*[ResidualCNN(32, 32, kernel=3, stride=1, dropout=dropout, n_feats=n_feats)
                                             for _ in range(n_cnn_layers)])
        self.fully_connected = nn.Linear(n_feats * 32, rnn_dim)
        # The tutorial passes batch_first=i == 0: from the second GRU on, the (batch, time, feature)
        # tensor is read as (time, batch, feature), and each sample's output depends on the others.
        first = (lambda i: i == 0) if args.bug == "published-batch-first" else (lambda i: True)
        self.birnn_layers = nn.Sequential(*[BidirectionalGRU(rnn_dim=rnn_dim if i == 0 else rnn_dim * 2, hidden_size=rnn_dim,
                                                             dropout=dropout, batch_first=first(i)) for i in range(n_rnn_layers)])
        self.classifier = nn.Sequential(nn.Linear(rnn_dim * 2, rnn_dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(rnn_dim, n_class))

    def forward(self, x):
        x = self.rescnn_layers(self.cnn(x))
        sizes = x.size()
        x = x.view(sizes[0], sizes[1] * sizes[2], sizes[3]).transpose(1, 2)  # (batch, time, feature)
        x = self.birnn_layers(self.fully_connected(x))
        return self.classifier(x)


def greedy_decode(output, labels, label_lengths):
    arg_maxes = torch.argmax(output, dim=2)
    decodes, targets = [], []
    for i, args_ in enumerate(arg_maxes):
        targets.append(labels[i][: label_lengths[i]].tolist())
        decode = []
        for j, index in enumerate(args_.tolist()):
            if index != BLANK and (j == 0 or index != args_[j - 1].item()):
                decode.append(index)
        decodes.append(decode)
    return decodes, targets


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[-1]


def log_probs(output):
    if args.bug == "no-log-softmax":  # raw scores handed to CTCLoss, which wants log-probabilities
        return output.transpose(0, 1)
    return F.log_softmax(output, dim=2).transpose(0, 1)  # (time, batch, n_class)


def train(model, train_loader, criterion, optimizer, scheduler, epoch):
    if args.bug != "no-model-train":  # the test() before left the model in eval()
        model.train()
    for batch_idx, (spectrograms, labels, input_lengths, label_lengths) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(spectrograms)  # (batch, time, n_class)
        loss = criterion(log_probs(output), labels, input_lengths, label_lengths)
        loss.backward()
        optimizer.step()
        scheduler.step()
        if batch_idx % 10 == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(spectrograms)}/{len(train_loader.dataset)}]\tLoss: {loss.item():.6f}")


def test(model, test_loader, criterion):
    model.eval()
    test_loss, errors, chars = 0.0, 0, 0
    with torch.no_grad():
        for spectrograms, labels, input_lengths, label_lengths in test_loader:
            output = model(spectrograms)
            loss = criterion(log_probs(output), labels, input_lengths, label_lengths)
            test_loss += loss.item() / len(test_loader)
            decodes, targets = greedy_decode(output, labels, label_lengths)
            errors += sum(edit_distance(d, t) for d, t in zip(decodes, targets, strict=True))
            chars += sum(len(t) for t in targets)
    print(f"Test set: Average loss: {test_loss:.4f}, Average CER: {errors / chars:.4f}")


torch.manual_seed(7)
train_loader = DataLoader(SyntheticSpeech(200, seed=1), batch_size=8, shuffle=True, collate_fn=data_processing)
test_loader = DataLoader(SyntheticSpeech(48, seed=2), batch_size=8, shuffle=False, collate_fn=data_processing)
model = SpeechRecognitionModel(n_cnn_layers=2, n_rnn_layers=2, rnn_dim=64, n_class=N_CHARS + 1, n_feats=N_FEATS)
print("Num Model Parameters", sum(p.nelement() for p in model.parameters()))
optimizer = torch.optim.AdamW(model.parameters(), args.lr)
criterion = nn.CTCLoss(blank=BLANK)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, steps_per_epoch=len(train_loader),
                                                epochs=args.epochs, anneal_strategy="linear")
for epoch in range(1, args.epochs + 1):
    train(model, train_loader, criterion, optimizer, scheduler, epoch)
    test(model, test_loader, criterion)
