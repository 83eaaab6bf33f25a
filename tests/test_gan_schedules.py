"""A WGAN-GP loop as PyTorch-GAN writes it: the critic trained every batch on generated images
that are not detached (its loss reaches the generator), the generator's gradients zeroed every
batch and the generator trained every fifth. Before, 4 of 5 batches were skipped-steps of the
generator, and the critic's output bias (its gradient cancels in a difference of means) was
dead-parameters, both warnings on a healthy run. Controls: a generator whose step is taken by the
critic's optimizer still skips every iteration; a layer whose weight and bias are both cut off is
still dead."""

from __future__ import annotations

import torch
from torch import nn

import torchvitals


def _wgan(tmp_path, bug: str = "", n_critic: int = 5, first: int = 0):
    torch.manual_seed(0)
    gen = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 8))
    critic = nn.Sequential(nn.Linear(8, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-3)
    opt_d = torch.optim.Adam(critic.parameters(), lr=1e-3)
    mon = torchvitals.watch([gen, critic], [opt_g, opt_d], out=str(tmp_path), console=False, every=1)
    real = torch.randn(256, 8) + 2
    for i in range(40):
        x = real[(i * 32) % 256:(i * 32) % 256 + 32]
        opt_d.zero_grad()
        z = torch.randn(32, 4)
        fake = gen(z)
        d_loss = -critic(x).mean() + critic(fake).mean()
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        if i % n_critic == first:
            g_loss = -critic(gen(z)).mean()
            g_loss.backward()
            (opt_d if bug == "wrong-optimizer" else opt_g).step()
    return {f.name: f for f in mon.close().findings}


def test_a_generator_trained_every_fifth_batch_skips_nothing(tmp_path):
    found = _wgan(tmp_path)
    assert "skipped-steps" not in found, found["skipped-steps"].message
    dead = found.get("dead-parameters")
    assert dead is not None and dead.severity == "info", dead  # the critic's output bias: said, not warned
    assert "2.bias" in dead.message and "difference of means" in dead.message


def test_critic_first_then_generator_is_at_most_a_transient_note(tmp_path):
    found = _wgan(tmp_path, first=4)  # the generator's first step at the fifth batch
    assert "skipped-steps" not in found or found["skipped-steps"].severity == "info"


def test_a_generator_that_never_steps_still_skips(tmp_path):
    found = _wgan(tmp_path, bug="wrong-optimizer")
    assert found["skipped-steps"].severity == "error", found


def test_a_layer_cut_off_whole_is_still_dead(tmp_path):
    """Control for the bias: a layer whose weight and bias both get exactly-zero gradients (its
    output multiplied by 0) is dead at warning level, not explained away as a shift."""
    torch.manual_seed(0)
    head, side = nn.Linear(8, 1), nn.Linear(8, 1)
    opt = torch.optim.SGD([*head.parameters(), *side.parameters()], lr=0.1)
    mon = torchvitals.watch([head, side], opt, out=str(tmp_path), console=False, every=1)
    for _ in range(12):
        x = torch.randn(32, 8)
        opt.zero_grad()
        ((head(x) + 0 * side(x) - x[:, :1]) ** 2).mean().backward()
        opt.step()
    found = {f.name: f for f in mon.close().findings}
    assert found["dead-parameters"].severity in ("warning", "error"), found
    assert "1.weight" in found["dead-parameters"].message  # the second model watched


def test_a_gan_whose_generator_step_is_gated_off_still_skips(tmp_path):
    """The generator's own pass (not one the critic stepped on) thrown away: a skip, as before."""
    torch.manual_seed(0)
    gen, critic = nn.Linear(4, 8), nn.Linear(8, 1)
    opt_g, opt_d = torch.optim.SGD(gen.parameters(), lr=0.1), torch.optim.SGD(critic.parameters(), lr=0.1)
    mon = torchvitals.watch([gen, critic], [opt_g, opt_d], out=str(tmp_path), console=False, every=1)
    for _ in range(30):
        opt_d.zero_grad()
        fake = gen(torch.randn(16, 4))
        (critic(fake.detach()).mean() - critic(torch.randn(16, 8)).mean()).backward()
        opt_d.step()
        opt_g.zero_grad()
        (-critic(gen(torch.randn(16, 4))).mean()).backward()
        if False:  # noqa: SIM108 - the gate that never opens
            opt_g.step()
    found = {f.name: f for f in mon.close().findings}
    assert found["skipped-steps"].severity == "error", found
