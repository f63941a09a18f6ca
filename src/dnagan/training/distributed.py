"""Data-parallel training on ``torch.distributed``: process group, sharding, DDP, gathering.

dnagan does not launch or coordinate processes itself: ``torchrun`` (``torch.distributed.run``)
starts one process per device and sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``
and ``MASTER_PORT``; :func:`init_distributed` reads them and joins the group (gloo on CPU, NCCL on
CUDA). Without those variables everything here degrades to a single process and changes nothing.

Batch semantics. Every rank holds the same seeded "shared" generator, so every rank draws the
same *global* batch (image order, DNA pairing, latent jitter) exactly as a single process would;
:func:`shard` then keeps this rank's contiguous slice (``global_batch / world_size`` items).
DistributedDataParallel averages gradients over ranks, and the mean of equal-sized per-rank means
is the global mean, so a step on N ranks computes the gradient of the single-process loss on the
same global batch (up to floating-point summation order). Per-sample randomness that is drawn
*after* slicing (augmentation, dropout, label noise) comes from per-rank generators
(:func:`rank_generator`): equally distributed, not the same numbers as a single process.

Spectral norm and DDP. The power-iteration vectors ``u``/``v`` of
``torch.nn.utils.parametrizations.spectral_norm`` are buffers updated in-place in every training
forward. They depend only on the weights (identical on all ranks), never on the data, so they stay
identical across ranks; :func:`wrap_ddp` still keeps ``broadcast_buffers=True`` by default so that
third-party networks with data-dependent buffers (batch-norm statistics) follow rank 0, whose
checkpoint is the one saved. The discriminator is called on real and on fake images before one
backward: both uses of a parameter accumulate into one gradient, so each DDP gradient hook fires
once and ``find_unused_parameters=False`` is correct. The generator step must call the *unwrapped*
discriminator (:func:`unwrap`) while its parameters are frozen, so DDP never waits for gradients
that will not come.
"""

from __future__ import annotations

import datetime
import inspect
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.distributed as dist
from torch import Tensor, nn

from dnagan.errors import ConfigError

if TYPE_CHECKING:
    from dnagan.evaluation.sharded import Group

_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK")
_RANK_SALT = 0x5EED  # keeps per-rank seeds away from the shared seed's stream
_control: Any = None  # a CPU (gloo) group for small control messages when the backend is NCCL


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands: rank, world size, local rank, device and backend."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    backend: str | None = None

    @property
    def distributed(self) -> bool:
        """True when a process group with more than one process is active."""
        return self.world_size > 1

    @property
    def main(self) -> bool:
        """True on rank 0, the only rank that writes files."""
        return self.rank == 0


def env_ranks() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` from torchrun's environment (``(0, 1, 0)`` without it)."""
    values = []
    for name, default in zip(_ENV, ("0", "1", "0"), strict=True):
        raw = os.environ.get(name, default)
        try:
            values.append(int(raw))
        except ValueError:
            raise ConfigError(f"environment variable {name}={raw!r} is not an integer") from None
    rank, world, local = values
    if world < 1 or not 0 <= rank < world:
        raise ConfigError(f"inconsistent torchrun environment: RANK={rank} WORLD_SIZE={world}")
    return rank, world, local


def local_world_size() -> int:
    """Processes torchrun started on this machine (``LOCAL_WORLD_SIZE``; 1 without torchrun)."""
    try:
        return max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    except ValueError:
        return 1


def launched() -> bool:
    """True when this process was started by torchrun with more than one process."""
    return env_ranks()[1] > 1


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """:func:`dnagan.devices.resolve_device`; a bare ``cuda`` becomes ``cuda:<local_rank>``."""
    from dnagan.devices import resolve_device

    device = resolve_device(name)
    if device.type == "cuda" and device.index is None:
        count = torch.cuda.device_count()
        if local_rank >= count:
            raise ConfigError(
                f"local rank {local_rank} has no GPU ({count} visible); "
                f"use --nproc_per_node {count} or fewer"
            )
        device = torch.device("cuda", local_rank)
    return device


_info = DistInfo()


def init_distributed(device: str = "auto", timeout_s: float = 1800.0) -> DistInfo:
    """Join torchrun's process group (gloo on CPU, NCCL on CUDA); single-process without torchrun.

    Pins this process to ``cuda:<LOCAL_RANK>`` on GPUs. Idempotent: a second call returns the
    same :class:`DistInfo`.
    """
    global _info, _control
    if dist.is_available() and dist.is_initialized():
        return _info
    rank, world, local = env_ranks()
    target = pick_device(device, local)
    if world == 1:
        _info = DistInfo(device=target)
        return _info
    if not dist.is_available():  # pragma: no cover - builds without torch.distributed
        raise ConfigError("this PyTorch build has no torch.distributed")
    backend = "nccl" if target.type == "cuda" else "gloo"
    if target.type == "cuda":
        torch.cuda.set_device(target)
    timeout = datetime.timedelta(seconds=timeout_s)
    dist.init_process_group(backend, rank=rank, world_size=world, timeout=timeout)
    _control = dist.new_group(backend="gloo", timeout=timeout) if backend == "nccl" else None
    _info = DistInfo(rank, world, local, target, backend)
    return _info


def info() -> DistInfo:
    """The current :class:`DistInfo` (single-process until :func:`init_distributed` joins)."""
    return _info


def shutdown() -> None:
    """Leave the process group (a no-op when none is active)."""
    global _info, _control
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    _info, _control = DistInfo(), None


def is_main() -> bool:
    """True on rank 0 (and in a single process)."""
    return _info.rank == 0


def barrier(timeout_s: float | None = None) -> None:
    """Wait for all ranks (no-op in a single process).

    With ``timeout_s`` the wait may outlast the process group's timeout (a gloo monitored
    barrier): e.g. the other ranks waiting while rank 0 evaluates and writes samples, so that no
    rank leaves the group while another still runs (gloo aborts the leaver's peers otherwise).
    """
    if not _info.distributed:
        return
    if timeout_s is None:
        dist.barrier(group=_control)
    else:
        wait = datetime.timedelta(seconds=timeout_s)
        dist.monitored_barrier(group=_control, timeout=wait, wait_all_ranks=True)


def rank_seed(seed: int, rank: int | None = None) -> int:
    """A per-rank seed derived from ``seed`` (rank 0 of a 1-process world gets ``seed`` itself)."""
    r = _info.rank if rank is None else rank
    if _info.world_size == 1 and r == 0:
        return seed
    mixed = np.random.SeedSequence([seed, _RANK_SALT, r]).generate_state(2, dtype=np.uint32)
    return int(mixed[0]) << 32 | int(mixed[1])


def rank_generator(
    seed: int, *parts: int, device: torch.device | str = "cpu"
) -> torch.Generator:
    """A generator on ``device`` seeded by ``seed``, this rank and ``parts`` (e.g. stage, step).

    Re-creating it from the same numbers gives the same stream, so nothing needs checkpointing.
    A generator on the GPU draws there: no host-to-device copy, no synchronisation.
    """
    state = np.random.SeedSequence([seed, _RANK_SALT, _info.rank, *parts]).generate_state(2)
    return torch.Generator(device=device).manual_seed(int(state[0]) << 32 | int(state[1]))


def seed_rank(seed: int) -> None:
    """Seed torch's global RNG per rank (dropout masks differ across ranks, as they should)."""
    torch.manual_seed(rank_seed(seed))


def check_batch(batch: int, world: int | None = None, what: str = "batch_size") -> int:
    """The per-rank batch; the global ``batch`` must split evenly over the ranks."""
    n = _info.world_size if world is None else world
    if batch % n:
        raise ConfigError(f"{what}={batch} does not split evenly over {n} processes")
    return batch // n


def shard(batch: Tensor, rank: int | None = None, world: int | None = None) -> Tensor:
    """This rank's contiguous slice of a global batch (the whole batch in a single process).

    The distributed sampler: the trainer's epoch-wise sampler and the DNA pairing run unchanged
    and identically on every rank (same seeded generator, same checkpointed state), producing the
    single-process global batch; each rank keeps ``shard(global_batch)``.
    """
    r = _info.rank if rank is None else rank
    n = _info.world_size if world is None else world
    if n == 1:
        return batch
    size = check_batch(len(batch), n, "global batch")
    return batch[r * size : (r + 1) * size]


def shard_range(count: int, rank: int | None = None, world: int | None = None) -> range:
    """The items ``[start, stop)`` of ``count`` that this rank handles (sizes differ by <= 1)."""
    r = _info.rank if rank is None else rank
    n = _info.world_size if world is None else world
    base, extra = divmod(count, n)
    start = r * base + min(r, extra)
    return range(start, start + base + (1 if r < extra else 0))


def communication_device() -> torch.device:
    """The device collectives of the default group use (CUDA for NCCL)."""
    return _info.device if _info.backend == "nccl" else torch.device("cpu")


def all_gather_array(array: np.ndarray) -> np.ndarray:
    """Concatenate every rank's ``array`` along axis 0, in rank order (lengths may differ).

    Used for FID: each rank extracts Inception features of its share of the images and all ranks
    end up with the full feature matrix. The dtype and trailing shape must agree across ranks.
    """
    if not _info.distributed:
        return array
    device = communication_device()
    local = torch.from_numpy(np.ascontiguousarray(array)).to(device)
    length = torch.tensor([local.shape[0]], device=device, dtype=torch.int64)
    lengths = [torch.zeros_like(length) for _ in range(_info.world_size)]
    dist.all_gather(lengths, length)
    sizes = [int(n.item()) for n in lengths]
    padded = local.new_zeros((max(sizes), *local.shape[1:]))
    padded[: local.shape[0]] = local
    parts = [torch.empty_like(padded) for _ in range(_info.world_size)]
    dist.all_gather(parts, padded)
    return torch.cat([p[:n] for p, n in zip(parts, sizes, strict=True)]).cpu().numpy()


def parallel_map(
    function: Callable[[np.ndarray], np.ndarray], items: np.ndarray, block: int = 1
) -> np.ndarray:
    """``function(items)`` computed in parallel: each rank takes its share, results gathered.

    ``function`` must map rows independently (e.g. Inception features of uint8 images) and give
    the same dtype and trailing shape for no rows. Shares are contiguous runs of whole blocks of
    ``block`` rows (the last block may be short), so the gathered rows keep the order of
    ``items``; with ``block`` = the function's batch size every batch is one a single process
    would compute.
    """
    if not _info.distributed or len(items) == 0:
        return function(items)
    return all_gather_array(function(items[block_share(len(items), block)]))


def block_share(count: int, block: int) -> slice:
    """This rank's contiguous share of ``count`` rows, cut at multiples of ``block``."""
    blocks = shard_range(-(-count // block))
    return slice(blocks.start * block, min(blocks.stop * block, count))


def broadcast_object(value: Any, src: int = 0) -> Any:
    """Rank ``src``'s ``value`` on every rank (a picklable object; e.g. the run folder path)."""
    if not _info.distributed:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=src, group=_control)
    return box[0]


def evaluation_group() -> Group:
    """The ranks as one evaluation group: features split over them, rank 0's cache use shared
    (:mod:`dnagan.evaluation.sharded`); a single process alone without torchrun."""
    from dnagan.evaluation.sharded import LOCAL, Group

    if not _info.distributed:
        return LOCAL
    return Group(_info.world_size, _info.main, parallel_map, broadcast_object)


def gather_objects(value: Any) -> list[Any]:
    """Every rank's ``value`` in rank order, on every rank (e.g. per-rank RNG states)."""
    if not _info.distributed:
        return [value]
    out: list[Any] = [None] * _info.world_size
    dist.all_gather_object(out, value, group=_control)
    return out


def mean_across(tensor: Tensor) -> Tensor:
    """The element-wise mean of ``tensor`` over all ranks (``tensor`` itself in one process).

    ``tensor`` must live on :func:`communication_device`'s kind of device for the backend
    (any device with gloo on CPU; the rank's GPU with NCCL).
    """
    if not _info.distributed:
        return tensor
    total = tensor.clone()
    dist.all_reduce(total)
    return total / _info.world_size


def main_then_share(create: Callable[[], Any]) -> Any:
    """Run ``create()`` on rank 0 only and hand its (picklable) result to every rank.

    A :class:`~dnagan.errors.DnaganError` raised on rank 0 is raised on every rank (same class
    and message), so no rank waits forever. Used for the run folder, which only rank 0 creates.
    """
    from dnagan.errors import DnaganError

    if not _info.distributed:
        return create()
    if _info.rank == 0:
        try:
            value = create()
        except DnaganError as error:
            broadcast_object(("error", error))
            raise
        broadcast_object(("ok", value))
        return value
    kind, value = broadcast_object(None)
    if kind == "error":
        raise value
    return value


def any_rank(flag: bool) -> bool:
    """True on every rank when ``flag`` is true on any (e.g. a stop signal seen by one rank)."""
    if not _info.distributed:
        return flag
    value = torch.tensor([1 if flag else 0], dtype=torch.int32)
    dist.all_reduce(value, op=dist.ReduceOp.MAX, group=_control)
    return bool(value.item())


def wrap_ddp(module: nn.Module, broadcast_buffers: bool = True) -> nn.Module:
    """``module`` in DistributedDataParallel (unchanged in a single process).

    ``find_unused_parameters=False``: every trainable parameter must receive a gradient in each
    backward through the wrapper (true for a GAN's G and D steps as :mod:`dnagan.training.loop`
    runs them; see the module docstring).
    """
    if not _info.distributed:
        return module
    from torch.nn.parallel import DistributedDataParallel

    ids = [_info.device.index] if _info.device.type == "cuda" else None
    # newer PyTorch renamed broadcast_buffers (buffers are still synced once at construction)
    parameters = inspect.signature(DistributedDataParallel.__init__).parameters
    name = "forward_sync_buffers" if "forward_sync_buffers" in parameters else "broadcast_buffers"
    options: dict[str, Any] = {name: broadcast_buffers}
    return DistributedDataParallel(
        module, device_ids=ids, find_unused_parameters=False, **options
    )


def unwrap(module: nn.Module) -> nn.Module:
    """The plain module inside a DDP wrapper (the module itself otherwise)."""
    inner = getattr(module, "module", None)
    from torch.nn.parallel import DistributedDataParallel

    return inner if isinstance(module, DistributedDataParallel) and inner is not None else module


def free_port() -> int:
    """A TCP port that is free on this machine right now (for ``--master_port``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def torchrun_command(nproc: int, module_args: Sequence[str], port: int | None = None) -> list[str]:
    """The ``python -m torch.distributed.run`` command line for ``nproc`` local processes."""
    if nproc < 1:
        raise ConfigError(f"--nproc must be at least 1, got {nproc}")
    return [
        sys.executable, "-m", "torch.distributed.run",
        "--nnodes", "1",
        "--nproc_per_node", str(nproc),
        "--master_addr", "127.0.0.1",
        "--master_port", str(port or free_port()),
        *module_args,
    ]


def launch(nproc: int, module_args: Sequence[str], env: dict[str, str] | None = None) -> int:
    """Run ``torchrun --nproc_per_node nproc <module_args>`` in a subprocess; its exit status.

    ``module_args`` is what follows torchrun's own options, e.g. ``["-m", "dnagan", "run", ...]``.
    """
    command = torchrun_command(nproc, module_args)
    environment = {**os.environ, **(env or {})}
    environment.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    return subprocess.call(command, env=environment)
