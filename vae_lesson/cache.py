"""Train once, load afterwards: models that several cells or notebooks need are cached on disk.

The file name is a hash of everything the trained weights depend on: the settings, the torch
version, and the code that builds and trains the model. Change any of them and a new model is
trained; an old file is never loaded for new code. The cache lives in .cache/models/ at the
repository root, or in $VAE_LESSON_CACHE.

Several processes may ask for the same model at once (notebooks tested in parallel): a lock
file makes one of them train it while the others wait, then load what it saved.
"""
import ast
import fcntl
import hashlib
import inspect
import json
import os
from contextlib import contextmanager
from pathlib import Path

import torch

from . import REPO_ROOT
from .train import History

# The files whose code decides what every cached model's weights are. A module that only some models
# use is named by them, `cached_model(..., code=["vae_lesson/buggy.py"])`, so editing it retrains
# those models and no others.
RECORDED = "vae_lesson/_reference/digests.json"  # a handout's record of the reference's digests (handout.py)
MODEL_CODE = ["solutions/vae.py", "solutions/beyond.py", "vae_lesson/train.py", "vae_lesson/data.py"]


def cache_dir():
    return Path(os.environ.get("VAE_LESSON_CACHE", REPO_ROOT / ".cache" / "models"))


def _code_digest(code):
    """What a function's code does: its bytecode, names and constants, nested functions included.

    Unlike its source text, this ignores the line it sits on and the comments around it."""
    parts = [code.co_code.hex(), repr(code.co_names)]
    parts += [_code_digest(c) if inspect.iscode(c) else repr(c) for c in code.co_consts]
    return "|".join(parts)


def without_docstrings(source, compilable=False):
    """The syntax tree of Python source, its docstrings taken out. A body left empty stays empty (a digest only
    dumps the tree: that keeps every cached model's name) unless `compilable`, where it becomes `pass`."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or ([ast.Pass()] if compilable else [])
    return tree


def _source_digest(path):
    """What a Python file's code says, without its docstrings and comments: rewording one retrains nothing.
    In a handout the reference's files are not there: their digests were recorded when it was built."""
    if not path.exists() and (REPO_ROOT / RECORDED).exists():
        return json.loads((REPO_ROOT / RECORDED).read_text())[path.relative_to(REPO_ROOT).as_posix()]
    return ast.dump(without_docstrings(path.read_text()))


def _function_digest(fn):
    code = getattr(fn, "__code__", None)
    return _code_digest(code) if code else getattr(fn, "__qualname__", repr(fn))


def cache_key(settings, build, train, code=()):
    """A hash of the settings, the torch version and the model's code (MODEL_CODE, then the files in
    `code`): a stale model gets another key."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    digest.update(torch.__version__.encode())
    for name in [*MODEL_CODE, *code]:
        digest.update(_source_digest(REPO_ROOT / name).encode())
    for fn in (build, train):
        digest.update(_function_digest(fn).encode())
    return digest.hexdigest()[:12]


@contextmanager
def _locked(path, wait=True):
    """Hold an exclusive lock beside `path` so that only one process trains this model at a time; yield True.
    Without `wait`, yield False at once if another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _global_generator_kept():
    """A context in which the global generator (the GPU's too) may be reseeded: it is restored on leaving."""
    return torch.random.fork_rng(devices=[torch.cuda.current_device()] if torch.cuda.is_available() else [])


def _train_without_touching_the_seed(train, model):
    """Training reseeds the global generator; restore it, so the cells after it draw the same numbers
    whether the model was trained here or loaded from the cache."""
    with _global_generator_kept():
        return train(model)


def cached_model(name, settings, build, train, device="cpu", code=(), wait=True):
    """Return (model, history): loaded from the cache, or built by `build()`, trained by `train(model)` and saved;
    `history.from_cache` says which (loaded also when another process trained it while this one waited).

    `code`: files beyond MODEL_CODE that this model's weights depend on, relative to the repository.
    `wait=False`: return None at once if another process is training this model."""
    path = cache_dir() / f"{name}-{cache_key(settings, build, train, code)}.pt"
    model = build().to(device)
    with _locked(path, wait) as held:
        if not held:
            return None
        if path.exists():
            saved = torch.load(path, map_location=device)
            model.load_state_dict(saved["state_dict"])
            history = History(saved["history"])
            history.steps, history.diverged, history.from_cache = saved["steps"], saved["diverged"], True
        else:
            history = _train_without_touching_the_seed(train, model)
            history.from_cache = False
            tmp = path.with_suffix(f".{os.getpid()}.tmp")  # write then rename: no reader ever sees half a file
            torch.save({"state_dict": model.state_dict(), "history": list(history), "steps": history.steps,
                        "diverged": history.diverged, "settings": settings, "torch": str(torch.__version__)}, tmp)
            tmp.replace(path)
    model.eval()
    return model, history


def trained_vae(train_images, test_images, *, dataset, latent_dim=20, hidden_dim=400, epochs=3, batch_size=128,
                lr=1e-3, loss="mse", beta=1.0, seed=0, warmup=False, device="cpu", wait=True):
    """The reference VAE trained with these settings on `train_images` (named by `dataset`), cached on disk.

    `loss` names train.LOSSES' "mse" or "bce", or one of chapter 10's calibrated.OBJECTIVES. With `test_images`
    None, no test set is scored during training. `warmup` anneals beta linearly from 0 to its value over the
    first half of training. `wait`: as for cached_model.
    """
    from .calibrated import OBJECTIVES
    from .reference import VAE
    from .train import LOSSES, fit

    settings = {"model": "VAE", "dataset": dataset, "n_train": len(train_images), "latent_dim": latent_dim,
                "hidden_dim": hidden_dim, "epochs": epochs, "batch_size": batch_size, "loss": loss, "beta": beta,
                "seed": seed, "warmup": warmup, "lr": lr}
    schedule = (lambda done: beta * min(1.0, 2 * done)) if warmup else beta
    terms = LOSSES[loss] if loss in LOSSES else OBJECTIVES[loss]
    code = [] if loss in LOSSES else ["vae_lesson/calibrated.py", "vae_lesson/latent_stats.py"]

    def build():
        torch.manual_seed(seed)
        return VAE(784, hidden_dim, latent_dim)

    def train(model):
        return fit(model, train_images, test_images, epochs=epochs, batch_size=batch_size, lr=lr, terms=terms,
                   beta=schedule, seed=seed, desc=f"{dataset} VAE z={latent_dim} {loss} beta={beta}{' warm-up' if warmup else ''}")

    return cached_model("vae", settings, build, train, device=device, code=code, wait=wait)


def trained_vaes(variants, *args, **common):
    """{key: trained_vae(*args, **common, **settings)} for each key and settings of `variants`. A model another
    process is training is taken last: two notebooks that ask for the same models at once train half each.
    Building a model reseeds the global generator, and which models get built how often depends on the other
    process: the generator is left as it was, so that the cells after this one draw the same numbers."""
    with _global_generator_kept():
        return _each_once(variants, args, common)


def _each_once(variants, args, common):
    done = {}
    while len(done) < len(variants):
        pending = [key for key in variants if key not in done]
        for key in pending:
            done[key] = trained_vae(*args, **common, **variants[key], wait=False)
            if done[key] is None:
                del done[key]
        if all(key not in done for key in pending):  # every one is being trained elsewhere: wait for the first
            done[pending[0]] = trained_vae(*args, **common, **variants[pending[0]])
    return {key: done[key] for key in variants}
