"""Pick the device the course runs on: CUDA, then Apple MPS, then CPU; VAE_LESSON_DEVICE overrides."""
import os
import time

import torch

ENV_VAR = "VAE_LESSON_DEVICE"


class DeviceError(RuntimeError):
    """A device was asked for that this machine cannot provide."""


def _available(kind):
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return torch.backends.mps.is_available()
    return kind == "cpu"


def get_device(name=None):
    """Return a torch.device: `name`, else $VAE_LESSON_DEVICE, else the best available one."""
    name = name or os.environ.get(ENV_VAR, "").strip()
    if not name:
        return torch.device(next(k for k in ("cuda", "mps", "cpu") if _available(k)))
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(
            f"Unknown device {name!r} (from {ENV_VAR} or --device): use cpu, cuda, cuda:N or mps."
        ) from None
    if device.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"Device {name!r} is not supported by this course: use cpu, cuda or mps.")
    if not _available(device.type):
        raise DeviceError(f"Device {name!r} was asked for, but this machine has no {device.type.upper()}; "
                          f"unset {ENV_VAR} to pick one automatically.")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise DeviceError(f"Device {name!r} does not exist: this machine has "
                          f"{torch.cuda.device_count()} CUDA device(s).")
    return device


def describe(device):
    """One line naming the device, for the set-up notebook and the benchmarks."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


def seconds(call):
    """Wall time of one call; on a GPU, waiting for the work it queued (CUDA runs asynchronously)."""
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    call()
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start
