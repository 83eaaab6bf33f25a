# real: source=https://github.com/sgrvinod/a-PyTorch-Tutorial-to-Image-Captioning/blob/master/train.py
# real: args=
# real: bug=encoder-unfrozen expect=unoptimized-parameters
# real: bug=no-zero-grad expect=grads-not-cleared
"""sgrvinod's Show, Attend and Tell tutorial: a frozen CNN encoder (fine_tune(False), no encoder
optimizer) and an LSTMCell decoder with soft attention and a sigmoid gate, which sorts the batch by
caption length inside forward() and returns the scores in that order with the sorted captions;
cross_entropy over pack_padded_sequence'd scores and targets plus the doubly stochastic attention
penalty, the gradients clamped with .data.clamp_(-5, 5), Adam(4e-4) for the decoder, validation
under no_grad each epoch (loss, top-5 accuracy and a BLEU-like score), the learning rate shrunk by
0.8 after 8 epochs without improvement, early stopping after 20. Changed: a small 3-layer CNN for
the pretrained ResNet-101 (its weights frozen as fine_tune(False) leaves them), widths 64 for 512,
synthetic 32x32 images whose caption names their colour and shape (a vocabulary of 16 words,
captions of 4 to 7 tokens), 256 training and 64 validation images, 6 epochs, the decoder's learning rate 3e-3 (a few dozen steps here, not COCO's thousands); `.data` of the
PackedSequence for the `scores, _ =` unpacking that today's PyTorch no longer allows; the BLEU-4 of
nltk replaced by the share of exactly predicted caption tokens; no checkpoint files."""

import argparse
import time

import torch
import torch.utils.data
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

torch.set_num_threads(1)
torch.manual_seed(0)
parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=int, default=6)
parser.add_argument('--bug', default='', choices=['', 'encoder-unfrozen', 'no-zero-grad'])
args = parser.parse_args()

emb_dim = 64  # dimension of word embeddings
attention_dim = 64  # dimension of attention linear layers
decoder_dim = 64  # dimension of decoder RNN
dropout = 0.5
device = torch.device("cpu")
start_epoch = 0
epochs = args.epochs
epochs_since_improvement = 0
batch_size = 32
decoder_lr = 3e-3  # learning rate for decoder (4e-4 published)
grad_clip = 5.  # clip gradients at an absolute value of
alpha_c = 1.  # regularization parameter for 'doubly stochastic attention', as in the paper
best_bleu4 = 0.
print_freq = 4
fine_tune_encoder = False
WORDS = ['<pad>', '<start>', '<end>', 'a', 'red', 'green', 'blue', 'small', 'big', 'square', 'circle', 'bar',
         'on', 'the', 'left', 'right']
word_map = {w: i for i, w in enumerate(WORDS)}


# ---- datasets.py: images with a caption that names them
class CaptionDataset(torch.utils.data.Dataset):
    def __init__(self, split, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.split = split
        self.imgs, self.caps, self.caplens = [], [], []
        yy, xx = torch.meshgrid(torch.arange(32.), torch.arange(32.), indexing='ij')
        for _ in range(n):
            colour, shape, size, side = (int(torch.randint(0, k, (1,), generator=g)) for k in (3, 3, 2, 2))
            r = 4.0 if size == 0 else 8.0
            cx, cy = (9.0 if side == 0 else 23.0), 16.0
            mask = {0: (abs(xx - cx) <= r) & (abs(yy - cy) <= r), 1: (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r,
                    2: (abs(xx - cx) <= r / 3) & (abs(yy - cy) <= r)}[shape].float()
            img = 0.1 * torch.randn(3, 32, 32, generator=g)
            img[colour] += mask
            words = ['a'] + (['small', 'big'][size:size + 1] if shape != 2 else []) + [['red', 'green', 'blue'][colour],
                     ['square', 'circle', 'bar'][shape]] + (['on', 'the', ['left', 'right'][side]] if shape == 2 else [])
            enc = [word_map['<start>']] + [word_map[w] for w in words] + [word_map['<end>']]
            self.caplens.append(len(enc))
            self.caps.append(enc + [word_map['<pad>']] * (10 - len(enc)))
            self.imgs.append(img)

    def __getitem__(self, i):
        cap, caplen = torch.LongTensor(self.caps[i]), torch.LongTensor([self.caplens[i]])
        if self.split == 'TRAIN':
            return self.imgs[i], cap, caplen
        return self.imgs[i], cap, caplen, cap.unsqueeze(0)  # all captions of this image (one here)

    def __len__(self):
        return len(self.imgs)


# ---- models.py
class Encoder(nn.Module):
    def __init__(self, encoded_image_size=4):
        super().__init__()
        self.enc_image_size = encoded_image_size
        self.resnet = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU())  # stands for a pretrained ResNet
        self.adaptive_pool = nn.AdaptiveAvgPool2d((encoded_image_size, encoded_image_size))
        self.fine_tune()

    def forward(self, images):
        out = self.resnet(images)
        out = self.adaptive_pool(out)
        out = out.permute(0, 2, 3, 1)
        return out

    def fine_tune(self, fine_tune=True):
        for p in self.resnet.parameters():
            p.requires_grad = False
        for c in list(self.resnet.children())[5:]:
            for p in c.parameters():
                p.requires_grad = fine_tune


class Attention(nn.Module):
    def __init__(self, encoder_dim, decoder_dim, attention_dim):
        super().__init__()
        self.encoder_att = nn.Linear(encoder_dim, attention_dim)
        self.decoder_att = nn.Linear(decoder_dim, attention_dim)
        self.full_att = nn.Linear(attention_dim, 1)
        self.relu = nn.ReLU()
        self.softmax = nn.Softmax(dim=1)

    def forward(self, encoder_out, decoder_hidden):
        att1 = self.encoder_att(encoder_out)
        att2 = self.decoder_att(decoder_hidden)
        att = self.full_att(self.relu(att1 + att2.unsqueeze(1))).squeeze(2)
        alpha = self.softmax(att)
        attention_weighted_encoding = (encoder_out * alpha.unsqueeze(2)).sum(dim=1)
        return attention_weighted_encoding, alpha


class DecoderWithAttention(nn.Module):
    def __init__(self, attention_dim, embed_dim, decoder_dim, vocab_size, encoder_dim=64, dropout=0.5):
        super().__init__()
        self.encoder_dim = encoder_dim
        self.attention_dim = attention_dim
        self.embed_dim = embed_dim
        self.decoder_dim = decoder_dim
        self.vocab_size = vocab_size
        self.dropout = dropout
        self.attention = Attention(encoder_dim, decoder_dim, attention_dim)
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.dropout = nn.Dropout(p=self.dropout)
        self.decode_step = nn.LSTMCell(embed_dim + encoder_dim, decoder_dim, bias=True)
        self.init_h = nn.Linear(encoder_dim, decoder_dim)
        self.init_c = nn.Linear(encoder_dim, decoder_dim)
        self.f_beta = nn.Linear(decoder_dim, encoder_dim)
        self.sigmoid = nn.Sigmoid()
        self.fc = nn.Linear(decoder_dim, vocab_size)
        self.init_weights()

    def init_weights(self):
        self.embedding.weight.data.uniform_(-0.1, 0.1)
        self.fc.bias.data.fill_(0)
        self.fc.weight.data.uniform_(-0.1, 0.1)

    def init_hidden_state(self, encoder_out):
        mean_encoder_out = encoder_out.mean(dim=1)
        h = self.init_h(mean_encoder_out)
        c = self.init_c(mean_encoder_out)
        return h, c

    def forward(self, encoder_out, encoded_captions, caption_lengths):
        batch_size = encoder_out.size(0)
        encoder_dim = encoder_out.size(-1)
        vocab_size = self.vocab_size
        encoder_out = encoder_out.view(batch_size, -1, encoder_dim)
        num_pixels = encoder_out.size(1)
        # Sort input data by decreasing lengths; why? apparent below
        caption_lengths, sort_ind = caption_lengths.squeeze(1).sort(dim=0, descending=True)
        encoder_out = encoder_out[sort_ind]
        encoded_captions = encoded_captions[sort_ind]
        embeddings = self.embedding(encoded_captions)
        h, c = self.init_hidden_state(encoder_out)
        decode_lengths = (caption_lengths - 1).tolist()
        predictions = torch.zeros(batch_size, max(decode_lengths), vocab_size).to(device)
        alphas = torch.zeros(batch_size, max(decode_lengths), num_pixels).to(device)
        for t in range(max(decode_lengths)):
            batch_size_t = sum([length > t for length in decode_lengths])
            attention_weighted_encoding, alpha = self.attention(encoder_out[:batch_size_t], h[:batch_size_t])
            gate = self.sigmoid(self.f_beta(h[:batch_size_t]))
            attention_weighted_encoding = gate * attention_weighted_encoding
            h, c = self.decode_step(
                torch.cat([embeddings[:batch_size_t, t, :], attention_weighted_encoding], dim=1),
                (h[:batch_size_t], c[:batch_size_t]))
            preds = self.fc(self.dropout(h))
            predictions[:batch_size_t, t, :] = preds
            alphas[:batch_size_t, t, :] = alpha
        return predictions, encoded_captions, decode_lengths, alphas, sort_ind


# ---- utils.py
class AverageMeter:
    def __init__(self):
        self.val = self.avg = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def clip_gradient(optimizer, grad_clip):
    for group in optimizer.param_groups:
        for param in group['params']:
            if param.grad is not None:
                param.grad.data.clamp_(-grad_clip, grad_clip)


def adjust_learning_rate(optimizer, shrink_factor):
    for param_group in optimizer.param_groups:
        param_group['lr'] = param_group['lr'] * shrink_factor


def accuracy(scores, targets, k):
    batch_size = targets.size(0)
    _, ind = scores.topk(k, 1, True, True)
    correct = ind.eq(targets.view(-1, 1).expand_as(ind))
    correct_total = correct.view(-1).float().sum()
    return correct_total.item() * (100.0 / batch_size)


# ---- train.py
def main():
    global best_bleu4, epochs_since_improvement, start_epoch
    decoder = DecoderWithAttention(attention_dim=attention_dim, embed_dim=emb_dim, decoder_dim=decoder_dim,
                                   vocab_size=len(word_map), dropout=dropout)
    decoder_optimizer = torch.optim.Adam(params=filter(lambda p: p.requires_grad, decoder.parameters()), lr=decoder_lr)
    encoder = Encoder()
    encoder.fine_tune(fine_tune_encoder or args.bug == 'encoder-unfrozen')  # the bug: unfrozen, no optimizer made
    encoder_optimizer = torch.optim.Adam(params=filter(lambda p: p.requires_grad, encoder.parameters()),
                                         lr=1e-4) if fine_tune_encoder else None
    criterion = nn.CrossEntropyLoss().to(device)
    train_loader = torch.utils.data.DataLoader(CaptionDataset('TRAIN', 256, 1), batch_size=batch_size, shuffle=True)
    val_loader = torch.utils.data.DataLoader(CaptionDataset('VAL', 64, 2), batch_size=batch_size, shuffle=True)
    for epoch in range(start_epoch, epochs):
        if epochs_since_improvement == 20:
            break
        if epochs_since_improvement > 0 and epochs_since_improvement % 8 == 0:
            adjust_learning_rate(decoder_optimizer, 0.8)
        train(train_loader, encoder, decoder, criterion, encoder_optimizer, decoder_optimizer, epoch)
        recent_bleu4 = validate(val_loader, encoder, decoder, criterion)
        is_best = recent_bleu4 > best_bleu4
        best_bleu4 = max(recent_bleu4, best_bleu4)
        epochs_since_improvement = 0 if is_best else epochs_since_improvement + 1


def train(train_loader, encoder, decoder, criterion, encoder_optimizer, decoder_optimizer, epoch):
    decoder.train()
    encoder.train()
    losses, top5accs = AverageMeter(), AverageMeter()
    start = time.time()
    for i, (imgs, caps, caplens) in enumerate(train_loader):
        imgs = encoder(imgs)
        scores, caps_sorted, decode_lengths, alphas, sort_ind = decoder(imgs, caps, caplens)
        targets = caps_sorted[:, 1:]
        scores = pack_padded_sequence(scores, decode_lengths, batch_first=True).data
        targets = pack_padded_sequence(targets, decode_lengths, batch_first=True).data
        loss = criterion(scores, targets)
        loss += alpha_c * ((1. - alphas.sum(dim=1)) ** 2).mean()
        if args.bug != 'no-zero-grad':
            decoder_optimizer.zero_grad()
        if encoder_optimizer is not None:
            encoder_optimizer.zero_grad()
        loss.backward()
        if grad_clip is not None:
            clip_gradient(decoder_optimizer, grad_clip)
        decoder_optimizer.step()
        top5 = accuracy(scores, targets, 5)
        losses.update(loss.item(), sum(decode_lengths))
        top5accs.update(top5, sum(decode_lengths))
        if i % print_freq == 0:
            print(f'Epoch: [{epoch}][{i}/{len(train_loader)}]\tTime {time.time() - start:.3f}\t'
                  f'Loss {losses.val:.4f} ({losses.avg:.4f})\tTop-5 Accuracy {top5accs.val:.3f} ({top5accs.avg:.3f})')


def validate(val_loader, encoder, decoder, criterion):
    decoder.eval()
    if encoder is not None:
        encoder.eval()
    losses, top5accs = AverageMeter(), AverageMeter()
    exact = total = 0
    with torch.no_grad():
        for imgs, caps, caplens, allcaps in val_loader:
            if encoder is not None:
                imgs = encoder(imgs)
            scores, caps_sorted, decode_lengths, alphas, sort_ind = decoder(imgs, caps, caplens)
            targets = caps_sorted[:, 1:]
            scores_copy = scores.clone()
            scores = pack_padded_sequence(scores, decode_lengths, batch_first=True).data
            targets = pack_padded_sequence(targets, decode_lengths, batch_first=True).data
            loss = criterion(scores, targets)
            loss += alpha_c * ((1. - alphas.sum(dim=1)) ** 2).mean()
            losses.update(loss.item(), sum(decode_lengths))
            top5accs.update(accuracy(scores, targets, 5), sum(decode_lengths))
            allcaps = allcaps[sort_ind]  # because images were sorted in the decoder
            preds = scores_copy.argmax(2)
            for j, n in enumerate(decode_lengths):
                exact += int((preds[j, :n] == allcaps[j, 0, 1:n + 1]).sum())
                total += n
    bleu4 = exact / total
    print(f'\n * LOSS - {losses.avg:.3f}, TOP-5 ACCURACY - {top5accs.avg:.3f}, TOKENS RIGHT - {bleu4:.3f}\n')
    return bleu4


if __name__ == '__main__':
    main()
