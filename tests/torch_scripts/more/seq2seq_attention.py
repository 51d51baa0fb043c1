"""Seq2seq with Bahdanau attention in the style of the well-known tutorials: a bidirectional GRU
encoder with packed padded sequences, an attention over the source with masked_fill(mask == 0,
-1e10), torch.bmm for the context, a preallocated `outputs` tensor filled step by step
(outputs[t] = output, differentiable), teacher forcing with random.random(), model.apply with
nn.init.normal_/constant_, CrossEntropyLoss(ignore_index=PAD), clip_grad_norm_, and greedy
decoding under torch.no_grad()."""
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(1234)
torch.manual_seed(1234)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
PAD, SOS, EOS, VOCAB = 0, 1, 2, 10


class Encoder(nn.Module):
    def __init__(self, emb_dim=8, enc_hid=12, dec_hid=12):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, emb_dim)
        self.rnn = nn.GRU(emb_dim, enc_hid, bidirectional=True)
        self.fc = nn.Linear(enc_hid * 2, dec_hid)

    def forward(self, src, src_len):
        embedded = self.embedding(src)
        packed = nn.utils.rnn.pack_padded_sequence(embedded, src_len.to("cpu"), enforce_sorted=False)
        packed_outputs, hidden = self.rnn(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(packed_outputs, total_length=src.shape[0])
        hidden = torch.tanh(self.fc(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)))
        return outputs, hidden


class Attention(nn.Module):
    def __init__(self, enc_hid=12, dec_hid=12):
        super().__init__()
        self.attn = nn.Linear(enc_hid * 2 + dec_hid, dec_hid)
        self.v = nn.Linear(dec_hid, 1, bias=False)

    def forward(self, hidden, encoder_outputs, mask):
        src_len = encoder_outputs.shape[0]
        hidden = hidden.unsqueeze(1).repeat(1, src_len, 1)
        encoder_outputs = encoder_outputs.permute(1, 0, 2)
        energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2)))
        attention = self.v(energy).squeeze(2)
        attention = attention.masked_fill(mask == 0, -1e10)
        return F.softmax(attention, dim=1)


class Decoder(nn.Module):
    def __init__(self, attention, emb_dim=8, enc_hid=12, dec_hid=12):
        super().__init__()
        self.output_dim = VOCAB
        self.attention = attention
        self.embedding = nn.Embedding(VOCAB, emb_dim)
        self.rnn = nn.GRU(enc_hid * 2 + emb_dim, dec_hid)
        self.fc_out = nn.Linear(enc_hid * 2 + dec_hid + emb_dim, VOCAB)

    def forward(self, input, hidden, encoder_outputs, mask):
        input = input.unsqueeze(0)
        embedded = self.embedding(input)
        a = self.attention(hidden, encoder_outputs, mask).unsqueeze(1)
        weighted = torch.bmm(a, encoder_outputs.permute(1, 0, 2)).permute(1, 0, 2)
        output, hidden = self.rnn(torch.cat((embedded, weighted), dim=2), hidden.unsqueeze(0))
        assert (output == hidden).all()
        prediction = self.fc_out(torch.cat((output.squeeze(0), weighted.squeeze(0), embedded.squeeze(0)), dim=1))
        return prediction, hidden.squeeze(0), a.squeeze(1)


class Seq2Seq(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def create_mask(self, src):
        return (src != PAD).permute(1, 0)

    def forward(self, src, src_len, trg, teacher_forcing_ratio=0.5):
        batch_size, trg_len = src.shape[1], trg.shape[0]
        outputs = torch.zeros(trg_len, batch_size, self.decoder.output_dim).to(device)
        encoder_outputs, hidden = self.encoder(src, src_len)
        input = trg[0, :]
        mask = self.create_mask(src)
        for t in range(1, trg_len):
            output, hidden, _ = self.decoder(input, hidden, encoder_outputs, mask)
            outputs[t] = output
            teacher_force = random.random() < teacher_forcing_ratio
            top1 = output.argmax(1)
            input = trg[t] if teacher_force else top1
        return outputs


def init_fn(m):
    for name, param in m.named_parameters():
        if "weight" in name:
            nn.init.normal_(param.data, mean=0, std=0.01)
        else:
            nn.init.constant_(param.data, 0)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)


def make_batch(n):
    """Source: digits 3..9 padded; target: SOS + the source reversed + EOS, padded."""
    lengths = rng.integers(2, 6, n)
    src = torch.full((6, n), PAD, dtype=torch.long)
    trg = torch.full((8, n), PAD, dtype=torch.long)
    for j, length in enumerate(lengths):
        seq = rng.integers(3, VOCAB, length)
        src[:length, j] = torch.from_numpy(seq)
        trg[:length + 2, j] = torch.tensor([SOS, *seq[::-1].tolist(), EOS])
    return src, torch.from_numpy(lengths), trg


model = Seq2Seq(Encoder(), Decoder(Attention())).to(device)
model.apply(init_fn)
init_weights(model)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.CrossEntropyLoss(ignore_index=PAD)
n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"The model has {n_params:,} trainable parameters")
for step in range(15):
    src, src_len, trg = make_batch(16)
    model.train()
    optimizer.zero_grad()
    output = model(src, src_len, trg)
    output_dim = output.shape[-1]
    loss = criterion(output[1:].view(-1, output_dim), trg[1:].view(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1)
    optimizer.step()
    print(f"LOSS {step} {loss.item():.6f}")

model.eval()
with torch.no_grad():
    src, src_len, trg = make_batch(8)
    output = model(src, src_len, trg, 0)
    loss = criterion(output[1:].view(-1, output_dim), trg[1:].view(-1))
    print(f"LOSS eval {loss.item():.6f}")
    print("pred", output[1:].argmax(-1)[:, 0].tolist(), "target", trg[1:, 0].tolist())
