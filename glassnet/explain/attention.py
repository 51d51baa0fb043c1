"""``AttentionMaps``: the weights of every attention layer in a model, by layer name.

Attention weights say where a model looked (which time steps, which
positions); they are read from the layers during one forward pass. The
model is left exactly as it was: its modes, the layers' ``keep_weights``
flags and ``last_weights`` are restored and the hooks removed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from ..tensor import Tensor
from .base import Attribution

__all__ = ["AttentionMaps", "attention_layer_names"]


def _is_attention(m: Module) -> bool:
    """Attention layers follow the ``keep_weights`` / ``last_weights`` protocol of
    ``glassnet.nn.layers.attention`` (``TemporalAttention``, ``MultiheadAttention``)."""
    return "keep_weights" in m.__dict__ and "last_weights" in m.__dict__


def attention_layer_names(model: Module) -> list[str]:
    """Dotted names of the attention layers in ``model`` (``""`` for the model itself)."""
    return [n for n, m in model.named_modules() if _is_attention(m)]


class AttentionMaps(Attribution):
    """Collect the attention weights of one forward pass.

    Parameters
    ----------
    model : Module
        A model containing ``TemporalAttention`` and/or ``MultiheadAttention``
        layers (or any layer with ``keep_weights`` and ``last_weights``).

    Examples
    --------
    >>> maps = AttentionMaps(model).attribute(x)      # doctest: +SKIP
    >>> maps["attention"].shape                        # TemporalAttention: (N, T)  # doctest: +SKIP
    """

    def __init__(self, model: Module) -> None:
        super().__init__(model)
        if not isinstance(model, Module):
            raise TypeError(
                f"AttentionMaps: model must be a glassnet Module, got {type(model).__name__}"
            )
        self.layers = attention_layer_names(model)
        if not self.layers:
            raise ValueError(
                f"AttentionMaps: {type(model).__name__} has no attention layer "
                "(TemporalAttention or MultiheadAttention)"
            )

    def attribute(self, inputs: Any, *, all_calls: bool = False) -> dict[str, Any]:
        """Run the model on ``inputs`` and return each attention layer's weights.

        Parameters
        ----------
        inputs : Tensor or ndarray, shape (N, *)
        all_calls : bool, default False
            Return, per layer, the list of the weights of every call (a layer
            applied at several steps is called several times) instead of the
            last call's.

        Returns
        -------
        dict of str to ndarray (or to list of ndarray)
            Layer name -> weights: ``(N, T)`` for ``TemporalAttention``,
            ``(N, num_heads, L, S)`` for ``MultiheadAttention``. Layers that
            were not called are left out.
        """
        x = self.prepare_inputs(inputs)
        found: dict[str, list[np.ndarray]] = {}
        saved = []
        handles = []
        for name in self.layers:
            m = self.model.get_submodule(name)
            saved.append((m, m.keep_weights, m.last_weights))

            def hook(mod: Module, args: tuple, output: Any, _name: str = name) -> None:
                w = mod.last_weights
                if not isinstance(w, Tensor) and isinstance(output, tuple) and len(output) > 1:
                    w = output[1]
                if isinstance(w, Tensor):
                    found.setdefault(_name, []).append(np.array(w.numpy()))

            handles.append(m.register_forward_hook(hook))
        try:
            for m, _, _ in saved:
                m.keep_weights = True
            with self.evaluating(), no_grad():
                self.model(self._to_model(x))
        finally:
            for h in handles:
                h.remove()
            for m, keep, last in saved:
                m.keep_weights = keep
                m.last_weights = last
        if all_calls:
            return found
        return {name: calls[-1] for name, calls in found.items()}
