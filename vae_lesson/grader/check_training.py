"""Check of chapter 06's training step, judged by what it does to a real model and optimiser.

train_step runs twice on a tiny VAE (D, H, Z = 12, 7, 3, a batch of 5) with plain SGD, beside the reference
on an identical model and optimiser with the same seeds, so the sampling noise is the same. An SGD step moves
each parameter by exactly -lr times its .grad at that moment, so the parameters' change tells which gradient
the step used: the batch's own, or one with the previous call's gradient still in it. Mistakes that leave the
parameters alike (no step, no backward, ...) are told apart by what the step did, recorded in order without
changing it: the model's forward passes (mode, grad mode), the backward calls (on the graph, or on a tensor
cut from it) and the optimiser's steps.
"""
import torch

from ..reference import beyond, solutions

from . import learner, seeds
from .pitfalls import loss_bugs
from .result import graded
from .sandbox import Failure

D, H, Z, B, LR, SEEDS = 12, 7, 3, 5, 0.013, (0, 1)  # an LR no hand-written update uses by chance
STEP = "train_step(model, optimizer, x)"


def _close_all(a, b):
    a, b = torch.cat([t.flatten() for t in a]).double(), torch.cat([t.flatten() for t in b]).double()
    return bool((a - b).norm() <= 1e-3 * b.norm() + 1e-6)


def _grads(model):
    return [torch.zeros_like(p) if p.grad is None else p.grad.detach().clone() for p in model.parameters()]


def _same_float(a, b):
    return abs(a - b) <= 1e-4 * abs(b) + 1e-5


def _setup():
    """The tiny VAE with zeroed gradients, as zero_grad(set_to_none=False) leaves them, and its SGD."""
    torch.manual_seed(seeds.of(31))
    model = solutions.VAE(D, H, Z).train()
    for p in model.parameters():  # with a .grad to apply, a step before backward changes the weights in place
        p.grad = torch.zeros_like(p)
    return model, torch.optim.SGD(model.parameters(), lr=LR)


def _setup_in_probe():
    """The same VAE and SGD, made in the probe, where the learner's step runs."""
    model = _setup()[0]
    made = learner.make("vae", model.state_dict(), sizes=(D, H, Z))
    learner.module_op(made, "zero_grads")
    return made, learner.sgd(made, LR)


def _reference_run(x):
    """Per call: the batch's gradient, the loss before the step, the loss after it, the wrong losses by id."""
    model, optimizer = _setup()
    calls = []
    for seed in SEEDS:
        torch.manual_seed(seeds.of(seed))
        with torch.no_grad():
            wrong = loss_bugs(*_with_x(model(x), x))
        torch.manual_seed(seeds.of(seed))  # the same noise again, for the reference step itself
        loss = beyond.train_step(model, optimizer, x)
        with torch.no_grad():  # the RNG runs on, as it would for a learner who recomputes the loss
            after = solutions.vae_loss(*_with_x(model(x), x)).item()
        wrong["mean-reduction"] += [torch.tensor(loss / B), torch.tensor(loss / x.numel())]
        calls.append((_grads(model), loss, after, wrong))
    return calls


def _with_x(out, x):
    x_hat, mu, logvar = out
    return x_hat, x, mu, logvar


def _diagnose_raised(failure, events):
    """Name a step that raised from what it had done by then."""
    if failure.pitfall != "raised":
        raise failure
    forwards = [e for e in events if e[0] == "forward"]
    backwards = [i for i, e in enumerate(events) if e[0] == "backward"]
    steps = [i for i, e in enumerate(events) if e[0] == "step"]
    if forwards and not forwards[0][2]:
        raise Failure("no-grad-in-training", "the model's forward pass ran with gradients off (torch.no_grad() or "
                      f"inference_mode), so backward had no graph to follow:\n{failure.message}")
    if "'float' object has no attribute 'backward'" in failure.message or any(not events[i][1] for i in backwards):
        # .item() (or float()) gave a number; backward on it, or on a tensor rebuilt from it, cannot reach the model
        raise Failure("loss-item-before-backward", "backward was called on the loss after .item() had turned it "
                      f"into a plain number, cut from the model's graph:\n{failure.message}")
    if steps and backwards and steps[0] < backwards[0]:
        where = failure.message.splitlines()[-1] if "at line" in failure.message else ""
        raise Failure("step-before-backward", "optimizer.step() ran before loss.backward(): the step changed in "
                      "place the weights that backward still needed, and backward failed ('modified by an inplace "
                      f"operation').\n{where}".rstrip())
    raise failure


def _judge_update(events, start, before, after, grad):
    """Raise the Failure that names why the parameters did not move by -lr * the batch's gradient."""
    used = [(b - a) / LR for b, a in zip(before, after)]  # SGD: after = before - lr * grad at the step
    steps = [i for i, e in enumerate(events) if e[0] == "step"]
    graph = [i for i, e in enumerate(events) if e[0] == "backward" and e[1]]
    cut = any(e[0] == "backward" and not e[1] for e in events)
    moved = not _close_all(used, [torch.zeros_like(g) for g in grad])
    if _close_all(used, [s + g for s, g in zip(start, grad)]) and moved:
        raise Failure("grad-not-zeroed", "on the second call the parameters moved by the sum of both batches' "
                      "gradients: the first call's gradient was still in .grad when backward added the new one.")
    if not graph:
        if cut:
            raise Failure("loss-item-before-backward", "backward ran on a tensor rebuilt from the loss's number "
                          "(.item()), cut from the model's graph: no gradient reached the parameters.")
        raise Failure("no-backward", "no gradient reached the parameters: nothing computed them from the "
                      "loss (a method named without its parentheses is not called).")
    if not steps:
        if moved:
            raise Failure("wrong-values", "the parameters changed, but not through the optimizer passed in: use "
                          "that optimizer (creating one inside train_step restarts its state every step).")
        raise Failure("no-optimizer-step", "the gradients were computed, but the parameters did not change: "
                      "nothing applied the gradients (a method named without its parentheses is not called).")
    if steps[0] < graph[0]:
        raise Failure("step-before-backward", "optimizer.step() ran before loss.backward(): the step used the "
                      "gradients .grad held before this batch's were computed.")
    if all(not g.any() for g in events[steps[0]][1]):
        raise Failure("grad-zeroed-before-step", "loss.backward() ran, but by optimizer.step() every gradient was "
                      "zero again: the gradients were cleared between backward and step.")
    for n, count in ((B, "the batch size"), (B * D, "the number of pixels in the batch")):
        if _close_all(used, [g / n for g in grad]):
            raise Failure("mean-reduction", f"the step's gradient was the course's divided by {n}, {count}: the "
                          "loss was averaged, not summed.")
    _judge_clipping(used, grad)
    if len(graph) > 1 and _close_all(used, [2 * g for g in grad]):
        raise Failure("wrong-values", "the step's gradient was twice this batch's: backward ran twice on the loss "
                      "(retain_graph=True lets it), and .grad adds up what each backward computes.")


def _judge_clipping(used, grad):
    """Name a step on a clipped gradient: scaled down as a whole (clip_grad_norm_) or cut value by value."""
    flat_used, flat_grad = torch.cat([u.flatten() for u in used]), torch.cat([g.flatten() for g in grad])
    scale = float(flat_used @ flat_grad / (flat_grad @ flat_grad))
    if 0 < scale < 0.99 and _close_all(used, [scale * g for g in grad]):
        raise Failure("grad-clipped", f"the step's gradient was this batch's scaled down to {scale:.3g} of its size: "
                      "clip_grad_norm_ (or a division) between backward and step.")
    cut = float(flat_used.abs().max())
    if cut < float(flat_grad.abs().max()) and _close_all(used, [g.clamp(-cut, cut) for g in grad]):
        raise Failure("grad-clipped", f"the step's gradient was this batch's with every value cut to [-{cut:.3g}, "
                      f"{cut:.3g}]: clip_grad_value_ between backward and step.")


def _name_loss(value, wrong, what, loss, stepped_right=False):
    """Raise the pitfall whose wrong loss (a mean, a missing term, ...) the returned float equals, if any."""
    for pitfall, values in wrong.items():
        if any(_same_float(value, v.item()) for v in values):
            raise Failure(pitfall, f"{what} returned {value:.4f}, not the course's MSE (sum) + KL (sum) of "
                          + (f"{loss:.4f}. The step itself was right: return the loss it was taken on, not a "
                             "rescaled copy." if stepped_right else f"{loss:.4f}: the step was taken on another loss."))


def _judge_value(out, loss, after, wrong, call):
    what, value = f"{STEP} (call {call})", out.value
    if isinstance(value, torch.Tensor):
        graph = (" It still holds the graph: summing such values over an epoch keeps every batch's graph in "
                 "memory.") if out.requires_grad else ""
        raise Failure("returns-tensor", f"{what} returned a tensor where a Python float is asked for.{graph}")
    if not isinstance(value, float):
        missing = " (is a `return` missing?)" if value is None else ""
        raise Failure("wrong-shape", f"{what} returned {learner.kind(value)}{missing}; expected the loss before "
                      "the step, as a Python float.")
    if _same_float(value, loss):
        return
    if _same_float(value, after):
        raise Failure("wrong-values", f"{what} returned the loss computed again after the step ({value:.4f}); "
                      f"return the loss the step was taken on, {loss:.4f}, computed before optimizer.step().")
    _name_loss(value, wrong, what, loss, stepped_right=True)
    raise Failure("wrong-values", f"{what} returned {value:.4f}; the loss before the step is {loss:.4f}.")


def _learner_call(fn, model, optimizer, x, seed):
    try:
        out = learner.call(fn, model, optimizer, x.clone(), what=STEP, seed=seeds.of(seed), record=(model, optimizer))
    except Failure as failure:
        _diagnose_raised(failure, getattr(failure, "seen", {}).get("events", []))
    return out, out.events


@graded("train_step", beyond.train_step)
def train_step(fn):
    """Check train_step(model, optimizer, x): zero_grad, forward, loss, backward, step; the loss as a float."""
    x = torch.rand(B, D, generator=torch.Generator().manual_seed(seeds.of(43)))
    reference, (model, optimizer) = _reference_run(x), _setup_in_probe()
    for call, (seed, (grad, loss, after, wrong)) in enumerate(zip(SEEDS, reference), 1):
        # start: what .grad holds as the call begins
        start, before = learner.module_op(model, "grads"), learner.module_op(model, "params")
        out, events = _learner_call(fn, model, optimizer, x, seed)
        value = out.value
        forwards = [e for e in events if e[0] == "forward"]
        if not forwards:
            raise Failure("wrong-values", f"{STEP} never ran the model on x.")
        if not any(grad_on for _, _, grad_on in forwards):
            raise Failure("no-grad-in-training", "the model's forward pass ran with gradients off (torch.no_grad() "
                          "or inference_mode): nothing could be learned from that loss.")
        if not forwards[0][1] or not learner.module_op(model, "training"):
            when = "ran in" if not forwards[0][1] else "was left in"
            raise Failure("model-in-eval-mode", f"the model {when} eval mode (model.training is False) on call "
                          f"{call}: a training step runs in training mode, and leaves the model in it.")
        params = learner.module_op(model, "params")
        if not _close_all(params, [b - LR * g for b, g in zip(before, grad)]):
            if isinstance(value, float):
                _name_loss(value, wrong, f"{STEP} (call {call})", loss)
            _judge_update(events, start, before, params, grad)
            if len(forwards) > 1:
                raise Failure("wrong-values", f"on call {call} the model ran {len(forwards)} times: each forward pass "
                              "draws new noise, so the loss the step was taken on is not this batch's single pass. "
                              "Run the model once per step and reuse its outputs (for logging too).")
            raise Failure("wrong-values", f"on call {call} the parameters did not move by one SGD step with this "
                          "batch's gradient of MSE (sum) + KL (sum).")
        _judge_value(out, loss, after, wrong, call)
    return (f"on a small VAE ({D} pixels, {H} hidden units, {Z} latent dims) with plain SGD, two calls in a row: each "
            "moved the weights by one step on its batch's gradient of MSE (sum) + KL (sum), the previous call's "
            "gradient cleared, in training mode, and returned the loss before the step as a float.")
