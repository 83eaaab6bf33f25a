# expect: TVL017
# The test loader is built by a helper from the test tensors; the writer receives the test ids
# separately and zips them with the predictions collected over the shuffled loader.
import torch
from torch.utils.data import DataLoader, TensorDataset


def test_loader_for(tokens):
    return DataLoader(TensorDataset(tokens), batch_size=100, shuffle=True)


def write_answers(net, dl, row_files, path):
    answers = []
    for (tok,) in dl:
        answers += net(tok).argmax(-1).tolist()
    with open(path, "w") as fh:
        for key, ans in zip(row_files, answers):
            fh.write(f"{key},{ans}\n")


test_tokens = torch.load("test_tokens.pt")
test_files = torch.load("test_files.pt")
write_answers(net, test_loader_for(test_tokens), test_files, "answers.csv")
