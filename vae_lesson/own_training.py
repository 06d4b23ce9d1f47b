"""Chapter 06's training run: the chapter's VAE and train_step, or the cached model when they are the reference.

The chapter trains the VAE built from the learner's pieces with the learner's train_step. When that code does
bit for bit what the reference does (a short probe: the same losses and weights after two steps on the same
digits, the same outputs in eval mode), training it would give the reference model, which the cache already
holds (vae_lesson.cache.trained_vae, shared with chapter 09), so it is loaded instead. Otherwise it trains here,
in the same order of random draws as `fit`: the same code gives the same model either way (tests/test_pieces.py).
"""
import time

import torch
from tqdm.auto import tqdm

from .cache import trained_vae
from .reference import beyond, solutions
from .train import History, _make_optimizer, _record_steps, evaluate, mse_terms

BATCH, LR, SEED = 128, 1e-3, 0


def _fork_rng():
    return torch.random.fork_rng(devices=[torch.cuda.current_device()] if torch.cuda.is_available() else [])


def _probe(VAE, train_step, images, steps=2):
    """The losses and weights after `steps` training steps from seed 0, then the outputs in eval mode."""
    x = images[:steps * BATCH].flatten(1).cpu()
    with _fork_rng():
        torch.manual_seed(SEED)
        model = VAE()
        torch.manual_seed(SEED)
        optimizer = _make_optimizer(model, LR)
        losses = torch.tensor([train_step(model, optimizer, batch) for batch in x.split(BATCH)])
        model.eval()
        with torch.no_grad():
            outputs = model(x[:BATCH])
    return [losses, *(p.detach() for p in model.parameters()), *outputs]


def same_as_reference(VAE, train_step, images):
    """True when VAE and train_step give bit for bit the reference's losses, weights and outputs on a probe."""
    try:
        mine = _probe(VAE, train_step, images)
    except Exception:  # code that cannot even run the probe is not the reference; training will say why
        return False
    reference = _probe(solutions.VAE, beyond.train_step, images)
    return len(mine) == len(reference) and all(
        a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b) for a, b in zip(mine, reference))


def train_here(VAE, train_step, train_images, test_images, epochs=3, device="cpu", progress=True):
    """(model, history) of VAE trained with train_step, drawing random numbers in fit's order.

    history holds what fit's does: per step (reconstruction, KL) per example, and per epoch the averages over
    the epoch, the seconds of training alone (the test pass excluded) and the test set's terms at its end."""
    torch.manual_seed(SEED)
    model = VAE().to(device)
    seen = []  # the model's outputs in the current step, for the two terms of its loss
    hook = model.register_forward_hook(lambda module, args, out: seen.append(tuple(t.detach() for t in out)))
    history, n = History(), len(train_images)
    torch.set_flush_denormal(True)  # as fit does: tiny floats slow the CPU down several times over
    try:
        with _fork_rng():
            torch.manual_seed(SEED)
            optimizer = _make_optimizer(model, LR)
            for epoch in range(1, epochs + 1):
                model.train()
                start, sums, sizes = time.perf_counter(), [], []
                batches = train_images[torch.randperm(n, device=train_images.device)].flatten(1).split(BATCH)
                for x in tqdm(batches, desc=f"epoch {epoch}", leave=False, disable=not progress):
                    seen.clear()
                    train_step(model, optimizer, x)
                    sums.append(torch.stack(mse_terms(seen[0][0], x, *seen[0][1:])))
                    sizes.append(len(x))
                recon, kl = (_record_steps(history, sums, sizes) / n).tolist()
                row = {"epoch": epoch, "train_recon": recon, "train_kl": kl, "train_loss": recon + kl,
                       "seconds": time.perf_counter() - start}
                history.append(row | {f"test_{k}": v for k, v in evaluate(model, test_images).items()})
    finally:
        hook.remove()
        torch.set_flush_denormal(False)
    model.eval()
    return model, history


def _times(history):
    seconds = history.column("seconds")
    return f"{', '.join(f'{s:.1f}' for s in seconds)} s per epoch, {sum(seconds):.1f} s in all (training alone)"


def train_chapter_vae(VAE, train_step, train_images, test_images, epochs=3, device="cpu"):
    """(model, history): the reference model from the cache when the code in use is the reference's, else
    VAE trained here with train_step. Prints which, and how long training took."""
    if not same_as_reference(VAE, train_step, train_images):
        print("Your VAE, vae_loss or train_step (or a piece of yours) does not give the reference's weights after "
              "two steps on the same digits: training your model now.")
        model, history = train_here(VAE, train_step, train_images, test_images, epochs, device)
        print(f"Trained here: {_times(history)}.")
        return model, history
    print("The VAE, vae_loss and train_step in use give bit for bit the reference's weights after two steps on the "
          "same digits: training them would give the course's reference model, so that model is used.")
    start = time.perf_counter()
    model, history = trained_vae(train_images, test_images, dataset="mnist", epochs=epochs, device=device)
    elapsed = time.perf_counter() - start
    if history.from_cache:  # trained before, by an earlier run or by another run while this one waited
        print(f"Loaded from the cache in {elapsed:.2f} s; when it was trained: {_times(history)}.")
    else:
        print(f"Trained now and cached for later runs: {_times(history)}.")
    return model, history
