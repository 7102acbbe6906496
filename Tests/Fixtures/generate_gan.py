#!/usr/bin/env python3
"""Reference values for Descent's DCGAN pair and one GAN training step (Sources/Descent/Models/DCGAN*.swift,
Sources/DescentTrain/GAN/GANStep.swift), from torch.nn and torch.optim.

Writes Tests/DescentTrainTests/Fixtures/gan.json: one entry per case under "cases", each with

sizes         latent, classes (0: unconditional), features, channels, side, batchNorm (the discriminator's), batch
generator, discriminator
              the state dicts before the step ({"keys": [...], "tensors": {...}}), initialised as PyTorch's DCGAN
              example does (conv weights N(0, 0.02²), batch-norm weights N(1, 0.02²), biases 0)
real, labels  a batch of real images in (-1, 1) and their classes
noise, fakeLabels
              the generator's noise [N, latent] and the classes asked of it
fake          G(noise, fakeLabels)
realLogits, fakeLogits
              D(real) and D(fake.detach()) before the discriminator's update
lossDReal, lossDFake, lossD
              BCE-with-logits of the real logits against 1 and of the fake ones against 0, and their sum
dReal, dFake  mean σ(D(x)) and mean σ(D(G(z))) (before the discriminator's update)
gradsD        the discriminator's gradients of lossD
generatorLogits, lossG, dFakeAfter
              D(fake) after the discriminator's update, the non-saturating generator loss BCE(D(G(z)), 1), and
              mean σ of those logits
gradsG        the generator's gradients of lossG
generatorAfter
              the generator's state after its Adam step
discriminatorAfter
              the discriminator's state at the end: its parameters after its Adam step (lr 2e-4, betas (0.5, 0.999)),
              its batch-norm running statistics after its three forward passes (real, detached fake, fake)

The step is PyTorch's DCGAN example with BCEWithLogitsLoss: the fake batch is generated once; the discriminator
steps on real + detached fake; the generator steps through the updated discriminator (in training mode, so its
batch norm updates its running statistics a third time).

All inputs and weights are rounded to 7 significant digits and to float32 before use and the computation runs in
float64, so the stored values are the exact answers for the float32 values Swift reads.

Run: python3 Tests/Fixtures/generate_gan.py   (needs torch; deterministic, seeded)
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "DescentTrainTests", "Fixtures", "gan.json")
DIGITS = 7


def quantize(t):
    vals = [float("%.*g" % (DIGITS, v)) for v in t.detach().double().reshape(-1).tolist()]
    return torch.tensor(vals, dtype=torch.float32).double().reshape(t.shape)


def tj(t):
    return {"shape": list(t.shape), "data": [float("%.*g" % (DIGITS, v)) for v in t.detach().double().reshape(-1).tolist()]}


def state_json(module):
    sd = module.state_dict()
    return {"keys": list(sd.keys()), "tensors": {k: tj(v.double()) for k, v in sd.items()}}


def weights_init(m, gen):
    """PyTorch's DCGAN example (drawn from `gen`)."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        with torch.no_grad():
            m.weight.copy_(0.02 * torch.randn(m.weight.shape, generator=gen))
    elif isinstance(m, nn.BatchNorm2d):
        with torch.no_grad():
            m.weight.copy_(1 + 0.02 * torch.randn(m.weight.shape, generator=gen))
            m.bias.zero_()


class Generator(nn.Module):
    def __init__(self, latent, classes, f, channels, side):
        super().__init__()
        self.classes = classes
        self.main = nn.Sequential(
            nn.ConvTranspose2d(latent + classes, 2 * f, side // 4, 1, 0, bias=False), nn.BatchNorm2d(2 * f), nn.ReLU(True),
            nn.ConvTranspose2d(2 * f, f, 4, 2, 1, bias=False), nn.BatchNorm2d(f), nn.ReLU(True),
            nn.ConvTranspose2d(f, channels, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z, labels):
        if self.classes:
            z = torch.cat([z, F.one_hot(labels, self.classes).to(z.dtype)], 1)
        return self.main(z.reshape(z.shape[0], z.shape[1], 1, 1))


class Discriminator(nn.Module):
    def __init__(self, classes, f, channels, side, batch_norm):
        super().__init__()
        self.classes = classes
        layers = [nn.Conv2d(channels + classes, f, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
                  nn.Conv2d(f, 2 * f, 4, 2, 1, bias=False)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(2 * f))
        layers += [nn.LeakyReLU(0.2, True), nn.Conv2d(2 * f, 1, side // 4, 1, 0, bias=False)]
        self.main = nn.Sequential(*layers)

    def forward(self, x, labels):
        if self.classes:
            n, _, h, w = x.shape
            maps = F.one_hot(labels, self.classes).to(x.dtype).reshape(n, self.classes, 1, 1).expand(n, self.classes, h, w)
            x = torch.cat([x, maps], 1)
        return self.main(x).reshape(-1)


def quantize_module(module):
    with torch.no_grad():
        for t in list(module.parameters()) + [b for b in module.buffers() if b.is_floating_point()]:
            t.copy_(quantize(t))


def case(seed, latent, classes, f, channels, side, batch_norm, n):
    gen = torch.Generator().manual_seed(seed)
    G = Generator(latent, classes, f, channels, side)
    D = Discriminator(classes, f, channels, side, batch_norm)
    G.apply(lambda m: weights_init(m, gen))
    D.apply(lambda m: weights_init(m, gen))
    quantize_module(G)
    quantize_module(D)
    out = {"sizes": {"latent": latent, "classes": classes, "features": f, "channels": channels, "side": side,
                     "batchNorm": batch_norm, "batch": n},
           "generator": state_json(G), "discriminator": state_json(D)}
    G, D = G.double().train(), D.double().train()
    real = quantize(torch.tanh(1.5 * torch.randn(n, channels, side, side, generator=gen)))
    labels = torch.randint(0, max(classes, 1), (n,), generator=gen)
    noise = quantize(torch.randn(n, latent, generator=gen))
    fake_labels = torch.randint(0, max(classes, 1), (n,), generator=gen)
    out.update({"real": tj(real), "labels": labels.tolist(), "noise": tj(noise), "fakeLabels": fake_labels.tolist()})
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()

    fake = G(noise, fake_labels)
    D.zero_grad()
    real_logits = D(real, labels)
    loss_real = bce(real_logits, torch.ones_like(real_logits))
    fake_logits = D(fake.detach(), fake_labels)
    loss_fake = bce(fake_logits, torch.zeros_like(fake_logits))
    loss_d = loss_real + loss_fake
    loss_d.backward()
    out.update({"fake": tj(fake), "realLogits": tj(real_logits), "fakeLogits": tj(fake_logits),
                "lossDReal": loss_real.item(), "lossDFake": loss_fake.item(), "lossD": loss_d.item(),
                "dReal": torch.sigmoid(real_logits).mean().item(), "dFake": torch.sigmoid(fake_logits).mean().item(),
                "gradsD": {k: tj(p.grad) for k, p in D.named_parameters()}})
    opt_d.step()

    G.zero_grad()
    g_logits = D(fake, fake_labels)
    loss_g = bce(g_logits, torch.ones_like(g_logits))
    loss_g.backward()
    out.update({"generatorLogits": tj(g_logits), "lossG": loss_g.item(),
                "dFakeAfter": torch.sigmoid(g_logits).mean().item(),
                "gradsG": {k: tj(p.grad) for k, p in G.named_parameters()}})
    opt_g.step()
    out["discriminatorAfter"] = {k: tj(v.double()) for k, v in D.state_dict().items()}
    out["generatorAfter"] = {k: tj(v.double()) for k, v in G.state_dict().items()}
    return out


def main():
    cases = {
        "conditional": case(17, latent=8, classes=3, f=4, channels=1, side=8, batch_norm=True, n=6),
        "unconditional_no_bn": case(18, latent=5, classes=0, f=3, channels=1, side=12, batch_norm=False, n=5),
    }
    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))
    print("wrote %s (%d bytes, %d cases)" % (os.path.relpath(OUT), os.path.getsize(OUT), len(cases)))


if __name__ == "__main__":
    main()
