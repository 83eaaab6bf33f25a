# expect: TVL004
# Evaluation mode switched on with `train(mode=False)` after each epoch's batches, and the
# next epoch's batches never switch it back: from epoch two on, dropout is off.
import torch
import torch.nn as nn

tagger = nn.Sequential(nn.Embedding(500, 32), nn.Dropout(0.3), nn.Linear(32, 9))
optim = torch.optim.SGD(tagger.parameters(), lr=0.05, momentum=0.9)
batches = [(torch.randint(0, 500, (8, 20)), torch.randint(0, 9, (8, 20))) for _ in range(30)]
for epoch in range(6):
    for tokens, tags in batches:
        loss = nn.functional.cross_entropy(tagger(tokens).flatten(0, 1), tags.flatten())
        optim.zero_grad()
        loss.backward()
        optim.step()
    tagger.train(mode=False)
    with torch.no_grad():
        acc = (tagger(batches[0][0]).argmax(-1) == batches[0][1]).float().mean()
    print(epoch, acc.item())
