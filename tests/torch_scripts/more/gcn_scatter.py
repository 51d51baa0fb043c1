"""A two-layer graph convolutional network written by hand on an edge list (no PyG): self-loops
added with torch.cat, degrees with scatter_add_ / torch.bincount, symmetric normalisation with
pow(-0.5) and masked_fill_ of infinities, messages aggregated with index_add_, a train mask with
boolean indexing, weight decay on the first layer only, and masked accuracy in eval mode."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(12345)
rng = np.random.default_rng(12)
n_nodes, n_feats, n_classes = 60, 6, 3
communities = np.repeat(np.arange(n_classes), n_nodes // n_classes)
src, dst = [], []
for i in range(n_nodes):
    for j in range(i + 1, n_nodes):
        p = 0.25 if communities[i] == communities[j] else 0.02
        if rng.random() < p:
            src += [i, j]
            dst += [j, i]
edge_index = torch.tensor([src, dst], dtype=torch.long)
x = torch.from_numpy((np.eye(n_classes)[communities] @ rng.standard_normal((n_classes, n_feats))
                      + rng.standard_normal((n_nodes, n_feats))).astype(np.float32))
y = torch.from_numpy(communities)
train_mask = torch.zeros(n_nodes, dtype=torch.bool)
train_mask[::4] = True
test_mask = ~train_mask


def gcn_norm(edge_index, num_nodes):
    loops = torch.arange(num_nodes).unsqueeze(0).repeat(2, 1)
    ei = torch.cat([edge_index, loops], dim=1)
    row, col = ei[0], ei[1]
    deg = torch.zeros(num_nodes).scatter_add_(0, col, torch.ones(col.size(0)))
    assert torch.equal(deg.long(), torch.bincount(col, minlength=num_nodes))
    deg_inv_sqrt = deg.pow(-0.5)
    deg_inv_sqrt.masked_fill_(torch.isinf(deg_inv_sqrt), 0.0)
    return ei, deg_inv_sqrt[row] * deg_inv_sqrt[col]


class GCNConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.empty(out_channels))
        nn.init.zeros_(self.bias)

    def forward(self, x, edge_index, norm):
        h = self.lin(x)
        msg = norm.view(-1, 1) * h.index_select(0, edge_index[0])
        out = torch.zeros_like(h).index_add_(0, edge_index[1], msg)
        return out + self.bias


class GCN(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.conv1 = GCNConv(n_feats, hidden)
        self.conv2 = GCNConv(hidden, n_classes)

    def forward(self, x, edge_index, norm):
        x = F.dropout(x, p=0.0, training=self.training)
        x = self.conv1(x, edge_index, norm).relu()
        return self.conv2(x, edge_index, norm)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


ei, norm = gcn_norm(edge_index, n_nodes)
model = GCN()
init_weights(model)
optimizer = torch.optim.Adam([dict(params=model.conv1.parameters(), weight_decay=5e-4),
                              dict(params=model.conv2.parameters(), weight_decay=0)], lr=0.02)
for epoch in range(20):
    model.train()
    optimizer.zero_grad()
    out = model(x, ei, norm)
    loss = F.cross_entropy(out[train_mask], y[train_mask])
    loss.backward()
    optimizer.step()
    print(f"LOSS {epoch} {loss.item():.6f}")
    if epoch % 5 == 4:
        model.eval()
        with torch.no_grad():
            pred = model(x, ei, norm).argmax(dim=-1)
            accs = [int((pred[m] == y[m]).sum()) / int(m.sum()) for m in (train_mask, test_mask)]
        print(f"LOSS acc{epoch} {accs[1]:.6f}")
