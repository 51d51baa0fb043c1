"""``glassnet train``: train a registered model on an image data set into a run folder."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from typing import Any

from ..distributed import world
from ..models.registry import list_models
from ..train.interrupt import TrainingInterrupted
from ..train.runs import RunFolder
from .checkpoints import check_run_path, user_checkpoint
from .dry_run import dry_run, print_config
from .options import TRAIN_OPTIONS, one_line, positive_float, resolve_config, resume_config
from .pipeline import resume_command, train_run
from .ranks import command_world

__all__ = ["add_parser", "run"]

EXAMPLE = """examples:
  glassnet train --model mlp --data fashion-mnist-sample --epochs 5
  glassnet train --config examples/seed_cnn.toml --lr 3e-4      (flags override the file's keys)
  glassnet train --resume runs/seed-cnn-20261127-101500        (continue where it stopped)
  glassnet train --data my_photos/ --image-size 64 --epochs 20  (a folder with a subfolder per class)
  glassnet train --data table.csv --target species --dry-run     (check everything, train nothing)
  glassnet train --data houses.csv --target price --epochs 30    (numbers not all whole: regression)
  mpiexec -n 2 glassnet train --config examples/seed_cnn.toml --distributed

Ctrl-C stops after the current step, saves runs/NAME/last.safetensors and exits
with status 130; --resume continues from it with the same final weights.
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "train",
        help="train a model and write a run folder",
        description=(
            "Train a model; writes runs/NAME/ with config.toml, metrics, checkpoints and "
            "report.html. Options come from built-in defaults, then --config FILE.toml, then flags."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for opt in TRAIN_OPTIONS:
        default_text = "" if opt.default is None else f" (default: {opt.default})"
        if opt.key == "model":  # the choices, read when the parser is built
            default_text = f"; one of: {', '.join(list_models())}"
        if opt.key == "augment":
            p.add_argument(
                opt.flag, action=argparse.BooleanOptionalAction, default=None,
                help=opt.help + default_text,
            )  # fmt: skip
        else:
            p.add_argument(
                opt.flag, default=None, metavar=opt.metavar, help=opt.help + default_text
            )
    p.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file")
    p.add_argument(
        "--resume",
        metavar="RUN_FOLDER",
        help="continue the run in RUN_FOLDER from its last checkpoint, with its own config "
        "(only --epochs, --checkpoint-every, --device and --threads may change; other flags "
        "may repeat the run's own values, e.g. its --data)",
    )
    p.add_argument(
        "--distributed",
        action="store_true",
        help="data-parallel over the MPI ranks of `mpiexec -n R glassnet train ...` "
        "(--batch-size is per rank; rank 0 prints and writes the run folder)",
    )
    p.add_argument(
        "--mpi-timeout",
        metavar="SECONDS",
        help="with --distributed: how long a rank waits for the others in a collective before "
        "it names the ranks that stopped answering and aborts the job (default: "
        "$GLASSNET_MPI_TIMEOUT or 300)",
    )
    p.add_argument(
        "--no-download", action="store_true", help="fail instead of downloading missing data"
    )
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    p.add_argument(
        "--print-config",
        action="store_true",
        help="print the resolved options as TOML (a --config file) and exit",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check the data, the model and the options (one forward and backward pass on two "
        "samples), then exit without training or writing anything",
    )
    return p


def _abort_other_ranks(exc: BaseException) -> None:
    """In a distributed run, print this rank's error and end the whole job now.

    Without it the other ranks would wait in their next collective until its
    timeout (``GLASSNET_MPI_TIMEOUT``).
    """
    w = world()
    if w.size == 1 or w.comm is None:
        return
    if getattr(exc, "printed", False):  # a collective's timeout: its line is out already
        w.comm.Abort(1)
    sys.stderr.write(f"glassnet: error: {one_line(exc)} (rank {w.rank} of {w.size})\n")
    sys.stderr.flush()
    w.comm.Abort(1)


def _disk_full(exc: OSError, run_dir: str, distributed: bool) -> OSError:
    """The full-disk error, naming the file and saying how to go on once there is space."""
    what = f"no space left on device writing {exc.filename or 'a file'}"
    if not os.path.isfile(os.path.join(run_dir, RunFolder.CONFIG)):
        err = OSError(f"{what}; free some space and start the run again")
    else:
        ranks = command_world(distributed).size if distributed else 1
        err = OSError(
            f"{what}; the files written before it are complete (checkpoints are replaced "
            f"atomically); free some space, then resume with: {resume_command(run_dir, ranks)}"
        )
    err.errno = exc.errno
    return err


def run(args: argparse.Namespace) -> int:
    if args.mpi_timeout is not None:  # read by glassnet.distributed.world() when it is made
        os.environ["GLASSNET_MPI_TIMEOUT"] = repr(positive_float("mpi_timeout", args.mpi_timeout))
    flags = {opt.key: getattr(args, opt.key) for opt in TRAIN_OPTIONS}
    if args.resume is not None:
        check_run_path("--resume", args.resume)
        with user_checkpoint("--resume"):
            config = resume_config(args.resume, flags, args.config)
    else:
        config = resolve_config(flags, args.config)
    if args.print_config or args.dry_run:
        if args.print_config:
            print_config(config)
        if args.dry_run:
            dry_run(config, download=not args.no_download)
        return 0
    try:
        train_run(
            config,
            verbose=0 if args.quiet else 1,
            download=not args.no_download,
            resume=args.resume,
            distributed=args.distributed,
        )
    except TrainingInterrupted as exc:
        return exc.exit_status
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        raise _disk_full(exc, args.resume or os.path.join(config["runs_dir"], config["name"]),
                         args.distributed) from exc  # fmt: skip
    except Exception as exc:
        if args.distributed:
            if getattr(args, "debug", False):
                import traceback

                traceback.print_exc()
            _abort_other_ranks(exc)
        raise
    return 0
