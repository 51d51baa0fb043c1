"""Weight tying and dictionary-shaped models, as multi-task notebooks write them: a language
model whose decoder shares the embedding matrix (self.decoder.weight = self.encoder.weight),
a tied autoencoder decoding with F.linear(h, self.enc.weight.t()), task heads in an
nn.ModuleDict looked up by name, per-task loss weights in an nn.ParameterDict (uncertainty
weighting: exp(-s) * loss + s), residual scales in an nn.ParameterList, the tied parameter
counted once by parameters() and by the optimizer, and named_parameters(remove_duplicate=False)."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(13)
TOK = torch.from_numpy(rng.integers(0, 12, size=(16, 9)))
FEATS = torch.from_numpy(rng.normal(size=(32, 10)).astype(np.float32))
REG = FEATS[:, :3].sum(1, keepdim=True)
CLS = (FEATS[:, 3] > FEATS[:, 4]).long()


class TiedLM(nn.Module):
    def __init__(self, ntoken, ninp):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.GRU(ninp, ninp, batch_first=True)
        self.decoder = nn.Linear(ninp, ntoken)
        self.decoder.weight = self.encoder.weight

    def forward(self, x):
        h, _ = self.rnn(self.encoder(x))
        return self.decoder(h)


class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(10, 6)
        self.blocks = nn.ModuleList([nn.Linear(6, 6) for _ in range(2)])
        self.scales = nn.ParameterList([nn.Parameter(torch.full((1,), 0.5)) for _ in range(2)])
        self.heads = nn.ModuleDict({"reg": nn.Linear(6, 1), "cls": nn.Linear(6, 2)})
        self.log_vars = nn.ParameterDict({"reg": nn.Parameter(torch.zeros(())), "cls": nn.Parameter(torch.zeros(()))})

    def forward(self, x):
        h = torch.tanh(self.enc(x))
        for block, s in zip(self.blocks, self.scales):
            h = h + s * torch.relu(block(h))
        recon = F.linear(h, self.enc.weight.t())
        return {name: head(h) for name, head in self.heads.items()}, recon


def init_weights(modules):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for tag, m in modules.items():
            m.load_state_dict({k[len(tag) + 1:]: torch.from_numpy(arrays[k]) for k in arrays.files
                               if k.startswith(tag + ".")})
    else:
        np.savez(path, **{f"{tag}.{k}": v.detach().numpy() for tag, m in modules.items()
                          for k, v in m.state_dict().items()})


torch.manual_seed(0)
lm = TiedLM(12, 8)
mt = MultiTask()
init_weights({"lm": lm, "mt": mt})
print("LOSS tied", lm.decoder.weight is lm.encoder.weight, len(list(lm.parameters())),
      len(list(lm.named_parameters(remove_duplicate=False))), sorted(lm.state_dict())[:3])
opt = torch.optim.SGD(lm.parameters(), lr=0.5)
print("LOSS opt_params", sum(len(g["params"]) for g in opt.param_groups))
for step in range(5):
    logits = lm(TOK[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, 12), TOK[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS lm{step} {loss.item():.6f} {lm.encoder.weight.grad.abs().sum().item():.6f}")
print("LOSS still_tied", lm.decoder.weight is lm.encoder.weight, f"{(lm.decoder.weight - lm.encoder.weight).abs().max().item():.1f}")

opt = torch.optim.Adam(mt.parameters(), lr=1e-2)
for step in range(6):
    outs, recon = mt(FEATS)
    losses = {"reg": F.mse_loss(outs["reg"], REG), "cls": F.cross_entropy(outs["cls"], CLS)}
    total = sum(torch.exp(-mt.log_vars[k]) * v + mt.log_vars[k] for k, v in losses.items())
    total = total + 0.1 * F.mse_loss(recon, FEATS)
    opt.zero_grad()
    total.backward()
    opt.step()
    print(f"LOSS mt{step} {total.item():.6f} {losses['reg'].item():.6f} {losses['cls'].item():.6f}",
          f"{mt.log_vars['reg'].item():.6f} {mt.scales[0].item():.6f}")
print("LOSS mt_keys", *sorted(mt.state_dict())[:6], len(mt.scales), list(mt.heads.keys()))
