"""``SummaryWriter``: TensorBoard event files with ``torch.utils.tensorboard``'s API.

::

    from glassnet.utils.tensorboard import SummaryWriter
    with SummaryWriter("runs/tb/exp1") as w:
        for step in range(100):
            w.add_scalar("loss/train", loss, step)
        w.add_histogram("fc1.weight", model.fc1.weight, step)
        w.add_image("digit", x[0], step)              # (C, H, W) in [0, 1]
    # tensorboard --logdir runs/tb

The event files are written by the ``tensorboard`` package's own writer
(``EventFileWriter``, the TFRecord format with CRC checks) from the protocol
buffers it ships; TensorFlow is not needed. ``tensorboard`` is the optional
extra ``tensorboard`` (``pip install 'glassnet[tensorboard]'``); without it the
writer raises an ``ImportError`` that says so. ``add_graph`` is refused: export
the model with :func:`glassnet.io.export_onnx` and open the file in Netron (or
TensorBoard's ONNX-capable graph tools) instead.
"""

from __future__ import annotations

import os
import socket
import struct
import time
import zlib
from typing import Any

import numpy as np

from ..backend import to_host

__all__ = ["SummaryWriter", "encode_png", "tensorboard_available"]

_INSTALL = (
    "glassnet.utils.tensorboard needs the tensorboard package: pip install 'glassnet[tensorboard]'"
)


def tensorboard_available() -> bool:
    """True when the ``tensorboard`` extra can be imported."""
    try:
        _protos()
    except ImportError:
        return False
    return True


def _protos() -> Any:
    try:
        from tensorboard.compat.proto import (
            event_pb2,
            summary_pb2,
            tensor_pb2,
            tensor_shape_pb2,
            types_pb2,
        )
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError(_INSTALL) from None
    return event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2, EventFileWriter


def _array(value: Any) -> np.ndarray:
    data = getattr(value, "array", value)
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        data = value.detach().cpu().numpy()
    return np.asarray(to_host(data))


def _scalar(who: str, value: Any) -> float:
    arr = _array(value)
    if arr.size != 1:
        raise ValueError(f"SummaryWriter.{who}: expected one number, got shape {arr.shape}")
    return float(arr.reshape(()))


def encode_png(image: np.ndarray) -> bytes:
    """A PNG file of an ``(H, W, C)`` uint8 image, C in {1, 3, 4} (no compression libraries needed)."""
    h, w, c = image.shape
    color = {1: 0, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _hwc_uint8(img: np.ndarray, dataformats: str) -> np.ndarray:
    fmt = dataformats.upper()
    if sorted(fmt) not in (sorted("CHW"), sorted("HW")) or img.ndim != len(fmt):
        raise ValueError(
            f"SummaryWriter.add_image: dataformats {dataformats!r} does not fit an image of "
            f"shape {img.shape} (use 'CHW', 'HWC' or 'HW')"
        )
    if fmt == "HW":
        img = img[:, :, None]
    else:
        img = np.transpose(img, [fmt.index(k) for k in "HWC"])
    if img.shape[2] not in (1, 3, 4):
        raise ValueError(
            f"SummaryWriter.add_image: expected 1, 3 or 4 channels, got {img.shape[2]}"
        )
    if img.dtype != np.uint8:
        img = np.clip(np.nan_to_num(img.astype(np.float64)) * 255.0 + 0.5, 0, 255)
    return np.ascontiguousarray(img.astype(np.uint8))


class SummaryWriter:
    """Write scalars, histograms, images and text for TensorBoard (``torch.utils.tensorboard``'s API).

    Parameters
    ----------
    log_dir : str or path, optional
        Default ``runs/CURRENT_DATETIME_HOSTNAME`` (as torch).
    comment : str, default ""
        Appended to the default ``log_dir``.
    max_queue : int, default 10
        Events kept in memory before a write.
    flush_secs : int, default 120
        Seconds between automatic flushes.
    filename_suffix : str, default ""

    Raises
    ------
    ImportError
        Without the ``tensorboard`` package.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        protos = _protos()
        self._event_pb2, self._summary_pb2, self._tensor_pb2 = protos[:3]
        self._shape_pb2, self._types_pb2, writer_cls = protos[3:]
        if log_dir is None:
            stamp = time.strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        self._writer = writer_cls(
            self.log_dir, max_queue_size=max_queue, flush_secs=flush_secs,
            filename_suffix=filename_suffix,
        )  # fmt: skip
        self._closed = False
        self._children: dict[str, SummaryWriter] = {}

    # ----------------------------------------------------------------- events
    def get_logdir(self) -> str:
        """The folder the event file is in."""
        return self.log_dir

    def _add(self, value: Any, step: int | None, walltime: float | None) -> None:
        if self._closed:
            raise RuntimeError(f"SummaryWriter({self.log_dir!r}) is closed")
        summary = self._summary_pb2.Summary(value=[value])
        event = self._event_pb2.Event(
            wall_time=time.time() if walltime is None else float(walltime), summary=summary
        )
        if step is not None:
            event.step = int(step)
        self._writer.add_event(event)

    def add_scalar(
        self, tag: str, scalar_value: Any, global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:  # fmt: skip
        """One number (a float, a 0-d array or a one-element tensor) at ``global_step``."""
        value = self._summary_pb2.Summary.Value(
            tag=tag, simple_value=_scalar("add_scalar", scalar_value)
        )
        self._add(value, global_step, walltime)

    def add_scalars(
        self, main_tag: str, tag_scalar_dict: dict[str, Any], global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:  # fmt: skip
        """Several curves in one chart: each ``tag`` goes to the run ``log_dir/main_tag_tag`` (as torch)."""
        for tag, value in tag_scalar_dict.items():
            name = f"{main_tag.replace('/', '_')}_{tag}"
            child = self._children.get(name)
            if child is None:
                child = SummaryWriter(os.path.join(self.log_dir, name))
                self._children[name] = child
            child.add_scalar(main_tag, value, global_step, walltime)

    def add_histogram(
        self, tag: str, values: Any, global_step: int | None = None, bins: Any = "tensorflow",
        walltime: float | None = None, max_bins: int | None = None,
    ) -> None:  # fmt: skip
        """The distribution of ``values`` (any shape).

        ``bins`` is an int, a NumPy rule (``"auto"``, ``"fd"``) or ``"tensorflow"``
        (30 equal bins over the range, a close stand-in for TensorFlow's exponential ones).
        """
        arr = _array(values).astype(np.float64).ravel()
        arr = arr[np.isfinite(arr)]
        if arr.size == 0:
            raise ValueError(f"SummaryWriter.add_histogram: {tag!r} has no finite values")
        nbins = 30 if bins == "tensorflow" else bins
        if max_bins is not None and isinstance(nbins, int):
            nbins = min(nbins, int(max_bins))
        counts, edges = np.histogram(arr, bins=nbins)
        histo = self._summary_pb2.HistogramProto(
            min=float(arr.min()), max=float(arr.max()), num=float(arr.size),
            sum=float(arr.sum()), sum_squares=float(np.dot(arr, arr)),
            bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts],
        )  # fmt: skip
        self._add(self._summary_pb2.Summary.Value(tag=tag, histo=histo), global_step, walltime)

    def add_image(
        self, tag: str, img_tensor: Any, global_step: int | None = None,
        walltime: float | None = None, dataformats: str = "CHW",
    ) -> None:  # fmt: skip
        """An image: floats in [0, 1] or uint8 in [0, 255], ``(C, H, W)`` by default (C = 1, 3, 4)."""
        img = _hwc_uint8(_array(img_tensor), dataformats)
        h, w, c = img.shape
        image = self._summary_pb2.Summary.Image(
            height=h, width=w, colorspace=c, encoded_image_string=encode_png(img)
        )
        self._add(self._summary_pb2.Summary.Value(tag=tag, image=image), global_step, walltime)

    def add_text(
        self, tag: str, text_string: str, global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:  # fmt: skip
        """Text (Markdown) for TensorBoard's Text tab."""
        meta = self._summary_pb2.SummaryMetadata(
            plugin_data=self._summary_pb2.SummaryMetadata.PluginData(plugin_name="text")
        )
        tensor = self._tensor_pb2.TensorProto(
            dtype=self._types_pb2.DT_STRING,
            string_val=[str(text_string).encode("utf-8")],
            tensor_shape=self._shape_pb2.TensorShapeProto(
                dim=[self._shape_pb2.TensorShapeProto.Dim(size=1)]
            ),
        )
        value = self._summary_pb2.Summary.Value(tag=tag, metadata=meta, tensor=tensor)
        self._add(value, global_step, walltime)

    def add_graph(self, model: Any, input_to_model: Any = None, verbose: bool = False) -> None:
        """Refused: glassnet does not write TensorBoard graphs.

        Raises
        ------
        NotImplementedError
            Always, naming the alternative: ``glassnet.io.export_onnx(model, ...)``
            and a viewer such as Netron.
        """
        raise NotImplementedError(
            "SummaryWriter.add_graph: glassnet does not write TensorBoard graph protos; export "
            "the model with glassnet.io.export_onnx(model, example_input, 'model.onnx') and open "
            "it in Netron, or print model.summary(input_shape) for the layer table"
        )

    # ----------------------------------------------------------------- lifetime
    def flush(self) -> None:
        """Write the queued events to disk."""
        if not self._closed:
            self._writer.flush()
        for child in self._children.values():
            child.flush()

    def close(self) -> None:
        """Flush and close the event file (and those of ``add_scalars``); idempotent."""
        if self._closed:
            return
        self._writer.close()
        for child in self._children.values():
            child.close()
        self._closed = True

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
