"""The base class of every differentiable op.

An op is a subclass of :class:`Function` with two methods on raw arrays:

``forward(self, *arrays, **attrs) -> array | tuple[array, ...]``
    computes the result and saves, on ``self``, only what backward needs
    (and only when ``self.requires_grad`` is true).
``backward(self, *grads) -> array | None | tuple[array | None, ...]``
    receives one gradient per output (read-only: never modify it in place)
    and returns one gradient per positional input, ``None`` where
    ``self.needs_input_grad[i]`` is false.

Ops never handle broadcasting or accumulation: the engine sums each gradient
down to its input's shape and adds up contributions (see ``engine.py``).

A subclass whose ``forward`` is a ``@staticmethod`` is a Function in PyTorch's
form (``forward(ctx, *tensors)``, ``backward(ctx, *grads)`` on Tensors,
``ctx.save_for_backward``); :meth:`Function.apply` hands it to
:mod:`glassnet.autograd.custom`, which builds on the same engine.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from . import custom, grad_mode, tracing
from .custom import FunctionCtx, once_differentiable

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class Function:
    """A node of the autograd graph; ``self`` is the op's context (``ctx``)."""

    #: Positional inputs (Tensors, or ``None`` for constants); cleared after backward.
    inputs: tuple | None
    #: Per positional input: does it need a gradient?
    needs_input_grad: tuple[bool, ...]
    #: Per positional input: its version (``Tensor._version``) when the op ran.
    versions: list[int]
    #: Per positional input: ``(node, output index)`` of the tensor when the op ran, or
    #: ``None``. The engine follows these edges, not the tensor's current node: a tensor
    #: changed in place inside the graph later has a new node and array.
    edges: list
    #: Per positional input: the array the op ran on (``edges``' arrays).
    edge_arrays: list
    #: True when the graph is being recorded for this call (save for backward only then).
    requires_grad: bool
    #: Is this class a Function in PyTorch's form (static ``forward(ctx, ...)``)?
    _torch_form: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._torch_form = custom.is_torch_form(cls)

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *grads: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    def operand(self, i: int) -> Any:
        """Positional input ``i`` for a ``backward_graph``: the input Tensor (its graph
        kept), or the constant (number, array) the op ran on.

        ``backward_graph(self, *grads)`` is an op's differentiable backward, used by
        ``create_graph=True`` (see :mod:`glassnet.autograd.higher_order`).
        """
        t = self.inputs[i]
        return self.edge_arrays[i] if t is None else t

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep ``arrays`` for backward (available as ``self.saved``)."""
        self.saved = arrays

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any):
        """Run the op on tensors, recording the graph when a gradient is needed.

        Positional arguments that are :class:`~glassnet.Tensor` take part in
        differentiation; anything else is passed through as a constant.
        Keyword arguments are the op's attributes.

        A Function in PyTorch's form (static ``forward(ctx, ...)``) runs on
        Tensors instead; see :mod:`glassnet.autograd.custom`.

        Returns
        -------
        Tensor or tuple of Tensor
            One tensor per array the forward returns.
        """
        if cls._torch_form:
            return custom.apply_torch_form(cls, args, kwargs)
        if tracing._slot.recorder is not None:  # an exporter is tracing (io/onnx_trace.py)
            return tracing._slot.recorder.apply(cls, args, kwargs)
        ctx = cls()
        arrays = []
        needs = []
        versions = []
        edges = []
        any_req = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.array)
                r = a.requires_grad
                needs.append(r)
                versions.append(a._version)
                edges.append((a._ctx, a._index))
                any_req = any_req or r
            else:
                arrays.append(a)
                needs.append(False)
                versions.append(0)
                edges.append(None)
        record = any_req and grad_mode._state.enabled
        ctx.requires_grad = record
        ctx.needs_input_grad = tuple(needs) if record else (False,) * len(needs)
        out = ctx.forward(*arrays, **kwargs)
        make = Tensor._make
        if type(out) is tuple:
            if record:
                ctx.inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
                ctx.versions = versions
                ctx.edges, ctx.edge_arrays = edges, arrays
                ctx.n_outputs = len(out)
                ctx.out_meta = tuple((o.shape, o.dtype) for o in out)
                return tuple(make(o, True, ctx, i) for i, o in enumerate(out))
            ctx.__dict__.clear()
            return tuple(make(o, False, None, 0) for o in out)
        if record:
            ctx.inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
            ctx.versions = versions
            ctx.edges, ctx.edge_arrays = edges, arrays
            ctx.n_outputs = 1
            return make(out, True, ctx, 0)
        return make(out, False, None, 0)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"

    def name(self) -> str:
        """The node's name, as torch's ``grad_fn.name()`` (glassnet's op name + ``Backward``;
        under ``glassnet run`` torch's name, ``MseLossBackward0``, where glassnet's node is
        torch's: see ``glassnet/tensor.py``'s name table and ``cli/torch_alias.py``)."""
        return f"{type(self).__name__}Backward"

    @property
    def next_functions(self) -> tuple:
        """The nodes this one passes gradients to, one ``(node, output index)`` pair per
        tensor input, as torch's: ``(None, 0)`` for an input that needs no gradient, an
        :class:`AccumulateGrad` (its ``variable`` the leaf) for a leaf that does."""
        edges = self.__dict__.get("edges")
        if edges is None:
            return ()
        inputs = self.__dict__.get("inputs") or (None,) * len(edges)
        needs = self.__dict__.get("needs_input_grad", (False,) * len(edges))
        pairs = []
        for edge, tensor, need in zip(edges, inputs, needs):
            if edge is None:  # a constant, not a tensor
                continue
            node, index = edge
            if not need:
                pairs.append((None, 0))
            elif node is None:
                pairs.append((AccumulateGrad(tensor), 0))
            else:
                pairs.append((node, index))
        return tuple(pairs)


class AccumulateGrad:
    """The node ``next_functions`` shows for a leaf that requires grad (torch's name).

    Parameters
    ----------
    variable : Tensor or None
        The leaf (``None`` once the graph has been freed by ``backward()``).
    """

    next_functions: tuple = ()

    def __init__(self, variable: Tensor | None) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"

