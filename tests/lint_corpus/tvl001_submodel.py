# expect: TVL001
import torch


def train(agent, qwen, loader, epochs):
    opt = torch.optim.AdamW(
        [{"params": agent.parameters(), "lr": 1e-5}, {"params": qwen.parameters(), "lr": 5e-5}]
    )
    for epoch in range(epochs):
        for batch in loader:
            opt.zero_grad(set_to_none=True)
            with torch.no_grad():
                prompt = qwen(batch["tokens"])
            refined = agent(batch["grid"], prompt)
            loss = efe_loss(refined, batch["target"])
            loss.backward()
            opt.step()
