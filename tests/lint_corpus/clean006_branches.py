# expect: clean
import torch

if args.optim == "sgd":
    opt_sgd = torch.optim.SGD(model.parameters(), lr=0.1)
else:
    opt_adam = torch.optim.Adam(model.parameters(), lr=1e-3)
G_opt = torch.optim.Adam(G.parameters())
D_opt = torch.optim.Adam(D.parameters())
