"""A small Transformer language model against an LSTM on the same text (characters).

The corpus is Debian's ``fortunes`` package (``apt-get install fortunes``): some MB of
English quotations in ``/usr/share/games/fortunes``, one quotation per ``%``-separated
block. Quotations are split 90/10 into training and validation text; both models read
windows of ``--context`` characters and predict each next character. The report is the
validation perplexity, ``exp(mean cross-entropy per character)``: 1 is perfect, the
vocabulary size is what uniform guessing gives.

    python examples/char_lm.py                        # both models, default settings
    python examples/char_lm.py --steps 200 --models transformer
    python examples/char_lm.py --corpus my_text_dir   # any folder of text files

The Transformer is glassnet's ``nn.TransformerEncoder`` with a causal mask (pre-norm, GELU),
learned position embeddings and a linear head tied to nothing; the LSTM is ``nn.LSTM`` with
the same embedding size. Both train with AdamW and gradient clipping for the same steps.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

import glassnet as gn
import glassnet.functional as F
from glassnet import nn, optim

DEFAULT_CORPUS = Path("/usr/share/games/fortunes")


# ------------------------------------------------------------------ data
def read_quotations(folder: Path) -> list[str]:
    """The ``%``-separated blocks of every text file in ``folder`` (``.dat`` indexes skipped)."""
    if not folder.is_dir():
        raise SystemExit(
            f"char_lm: no corpus folder {folder}; install Debian's fortunes "
            "(apt-get install fortunes) or pass --corpus FOLDER"
        )
    quotes: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix in (".dat", ".u8") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        quotes += [q.strip() for q in text.split("\n%\n") if q.strip()]
    if not quotes:
        raise SystemExit(f"char_lm: no text found in {folder}")
    return quotes


def split_corpus(quotes: list[str], seed: int = 0) -> tuple[str, str]:
    """Training and validation text: 90/10 of the quotations, shuffled by ``seed``."""
    order = np.random.default_rng(seed).permutation(len(quotes))
    cut = int(0.9 * len(quotes))
    join = "\n\n".join
    return join(quotes[i] for i in order[:cut]), join(quotes[i] for i in order[cut:])


class Vocab:
    """Characters to ids; characters not seen in training map to id 0 (``"\\x00"``)."""

    def __init__(self, text: str) -> None:
        self.chars = ["\x00", *sorted(set(text) - {"\x00"})]
        self.index = {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str) -> np.ndarray:
        return np.array([self.index.get(c, 0) for c in text], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.chars)


def windows(ids: np.ndarray, context: int, batch: int, rng: np.random.Generator) -> tuple:
    """A batch of random windows: inputs ``(batch, context)`` and next-character targets."""
    starts = rng.integers(0, len(ids) - context - 1, batch)
    x = np.stack([ids[s : s + context] for s in starts])
    y = np.stack([ids[s + 1 : s + context + 1] for s in starts])
    return x, y


# ------------------------------------------------------------------ models
class TransformerLM(nn.Module):
    """Token and position embeddings, a causal Transformer encoder, a linear head.

    Shape: ``(N, T)`` ids to ``(N, T, vocab)`` logits, ``T <= context``.
    """

    def __init__(self, vocab: int, context: int, d_model: int, heads: int, layers: int,
                 dropout: float) -> None:  # fmt: skip
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, heads, 4 * d_model, dropout, activation="gelu", batch_first=True,
            norm_first=True,
        )  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, layers, nn.LayerNorm(d_model))
        self.head = nn.Linear(d_model, vocab)
        self.context = context

    def forward(self, ids: np.ndarray) -> gn.Tensor:
        t = ids.shape[1]
        h = self.tok(ids) + self.pos(np.arange(t))
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        return self.head(self.encoder(h, mask=mask))


class LSTMLM(nn.Module):
    """Token embeddings, a stacked LSTM, a linear head: ``(N, T)`` to ``(N, T, vocab)``."""

    def __init__(self, vocab: int, d_model: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.lstm = nn.LSTM(d_model, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)  # fmt: skip
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids: np.ndarray) -> gn.Tensor:
        out, _ = self.lstm(self.tok(ids))
        return self.head(out)


# ------------------------------------------------------------------ training
def loss_of(model: nn.Module, x: np.ndarray, y: np.ndarray) -> gn.Tensor:
    logits = model(x)
    return F.cross_entropy(logits.reshape((-1, logits.shape[-1])), y.reshape(-1))


def perplexity(model: nn.Module, ids: np.ndarray, context: int, batches: int, seed: int) -> float:
    """``exp`` of the mean next-character cross-entropy over ``batches`` fixed windows."""
    rng = np.random.default_rng(seed)
    model.eval()
    total = 0.0
    with gn.no_grad():
        for _ in range(batches):
            total += loss_of(model, *windows(ids, context, 32, rng)).item()
    model.train()
    return math.exp(total / batches)


def train(model: nn.Module, train_ids: np.ndarray, val_ids: np.ndarray, args: argparse.Namespace,
          name: str) -> dict:  # fmt: skip
    """Train for ``args.steps`` steps; return the validation perplexity and timing."""
    gn.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    opt = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, args.steps)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        loss = loss_of(model, *windows(train_ids, args.context, args.batch, rng))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % max(1, args.steps // 10) == 0 or step == args.steps:
            print(f"{name:11s} step {step:5d}  train loss {loss.item():.3f}", flush=True)
    seconds = time.perf_counter() - start
    ppl = perplexity(model, val_ids, args.context, args.eval_batches, seed=1234)
    params = sum(p.numel() for p in model.parameters())
    print(f"{name:11s} validation perplexity {ppl:.3f}  ({params:,} parameters, {seconds:.0f} s)")
    return {"val_perplexity": ppl, "parameters": params, "train_seconds": seconds}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--models", default="transformer,lstm")
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--context", type=int, default=64)
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--eval-batches", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("runs/char_lm.json"))
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    train_text, val_text = split_corpus(read_quotations(args.corpus), args.seed)
    vocab = Vocab(train_text)
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    print(f"corpus: {len(train_ids):,} training and {len(val_ids):,} validation characters, "
          f"vocabulary {len(vocab)}")  # fmt: skip
    results: dict = {"vocab": len(vocab), "train_chars": len(train_ids), "settings": {
        k: str(v) for k, v in vars(args).items()}}  # fmt: skip
    for name in args.models.split(","):
        gn.manual_seed(args.seed)
        if name == "transformer":
            model = TransformerLM(len(vocab), args.context, args.d_model, args.heads,
                                  args.layers, args.dropout)  # fmt: skip
        elif name == "lstm":
            model = LSTMLM(len(vocab), args.d_model, args.hidden, 2, args.dropout)
        else:
            raise SystemExit(f"char_lm: --models takes transformer and/or lstm, got {name!r}")
        results[name] = train(model, train_ids, val_ids, args, name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(args.out)
    return results


if __name__ == "__main__":
    main()
