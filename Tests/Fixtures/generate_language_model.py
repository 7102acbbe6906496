#!/usr/bin/env python3
"""Reference values for Descent's RNNLanguageModel: PyTorch's word_language_model RNNModel (Embedding, a 2-layer
LSTM, a Linear decoder at every step; dropout 0), batch first.

Writes Tests/DescentTests/Fixtures/language_model.json with the model's `state` (state_dict keys in order), token
`ids` [2, 5] and next-token `targets` [2, 5], and

    logits        = the model's output [2, 5, V] from a zero state
    hn, cn        = its final state
    loss          = cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    grads         = d loss / d parameters

Weights are rounded to 7 significant digits and to float32, then the model computes in float64.
Run: python3 Tests/Fixtures/generate_language_model.py   (needs torch; deterministic, seeded)
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_values import quantize, tj

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "DescentTests", "Fixtures", "language_model.json")


class RNNModel(nn.Module):
    """word_language_model's RNNModel with batch_first and without weight tying."""

    def __init__(self, ntoken, ninp, nhid, nlayers):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, batch_first=True)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, ids):
        output, (hn, cn) = self.rnn(self.encoder(ids))
        return self.decoder(output), hn, cn


def main():
    torch.manual_seed(0)
    vocab, ninp, nhid = 11, 6, 5
    m = RNNModel(vocab, ninp, nhid, 2)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(quantize(p))
    sd = m.state_dict()
    state = {"keys": list(sd.keys()), "tensors": {k: tj(v) for k, v in sd.items()}}
    m = m.double()
    ids = torch.randint(0, vocab, (2, 6))
    inputs, targets = ids[:, :5], ids[:, 1:]
    logits, hn, cn = m(inputs)
    loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
    loss.backward()
    out = {"state": state, "ids": inputs.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(),
           "logits": tj(logits), "hn": tj(hn), "cn": tj(cn), "loss": loss.item(),
           "grads": {k: tj(p.grad) for k, p in m.named_parameters()}}
    with open(OUT, "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
