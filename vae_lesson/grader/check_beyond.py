"""Checks of the exercises after chapter 06: naming bugs, latent interpolation, the IWAE, a condition, a count."""
import math
import numbers
import re

import torch

from ..reference import beyond

from . import learner, seeds
from .compare import check_unchanged, close, example, expect_tensor, shape_errors_as_wrong_shape
from .pitfalls import PITFALLS
from .result import graded
from .sandbox import Failure

# Chapter 07's answer vocabulary: its six pitfalls, then five more bugs, three of which are in the mysteries.
NAMES = ("logvar-as-variance", "std-not-exponentiated", "mean-reduction", "noise-not-randn-like", "missing-sigmoid",
         "kl-sign-flipped", "kl-missing-half", "grad-not-zeroed", "z-detached", "std-is-variance", "kl-on-std")
# What a model with each bug would show, against the correct model's curves, pictures and kl_two_ways.
SYMPTOMS = {
    "logvar-as-variance": "training would stop with a NaN loss at the very first step",
    "std-not-exponentiated": "the noise would shrink to almost nothing: sharp reconstructions, and samples from "
                             "N(0, I) that are not digits",
    "mean-reduction": "both terms would be tiny, far below 1 per example, as the loss computes them",
    "noise-not-randn-like": "the curves and pictures would stay close to the correct model's",
    "missing-sigmoid": "the outputs would leave [0, 1] while the curves stay close to the correct model's",
    "kl-sign-flipped": "the KL term would go below zero and run away towards -10^20",
    "kl-missing-half": "the KL its loss computes would be exactly twice the course's formula's (kl_two_ways)",
    "grad-not-zeroed": "the curves would swing up and down instead of settling, and the reconstructions would be "
                       "speckles rather than digits",
    "z-detached": "the encoder would learn from the KL alone: the KL drops to zero and stays there, and every "
                  "reconstruction is the same average digit",
    "std-is-variance": "the loss would be the course's, with kl_two_ways agreeing, but the noise would be "
                       "the variance, much smaller than the std the KL assumes",
    "kl-on-std": "the KL its loss computes would differ from the course's formula's (kl_two_ways) by more than "
                 "a constant factor",
}
# What each mystery does show: the symptom a wrong name missed.
SHOWN = {
    "A": "mystery A trains smoothly into blurrier digits, and kl_two_ways gives its own KL as exactly twice the "
         "course's formula's. Look at kl_two_ways.",
    "B": "mystery B's curves swing up and down instead of settling, and its reconstructions are speckles, not "
         "digits, while its KL matches the course's formula. Look at the shape of its curves.",
    "C": "mystery C's KL falls to zero within the first hundred steps and stays there, while its reconstruction "
         "term stays in the tens per example, far from the tiny numbers of a mean-reduced loss, and every "
         "reconstruction is the same average digit. Look at the scale of its reconstruction curve.",
}


def _name(answer):
    """A name as the list spells it, whatever the case, quotes, spaces, underscores or dashes typed."""
    if not isinstance(answer, str):
        return answer
    return "-".join(re.split(r"[\s_\-\u2010-\u2015]+", answer.strip().strip("'\"`.").strip().lower()))


@graded("spot_the_bug", beyond.spot_the_bug)
def spot_the_bug(fn):
    """Check the names given to chapter 07's three mysteries, {"A": name, "B": name, "C": name}."""
    answer, expected = learner.call(fn, what="spot_the_bug()").value, beyond.spot_the_bug()
    shape = 'return a dict with one name per mystery: {"A": "...", "B": "...", "C": "..."}'
    if not isinstance(answer, dict):
        raise Failure("wrong-shape", f"spot_the_bug() returned {learner.kind(answer)}; {shape}.")
    answer = {str(k).strip().upper(): v for k, v in answer.items()}
    missing, extra = sorted(set(expected) - set(answer)), sorted(set(answer) - set(expected))
    if missing or extra:
        raise Failure("wrong-shape", f"{shape}. " + (f"Missing: {', '.join(missing)}. " if missing else "")
                      + (f"Not a mystery: {', '.join(extra)}." if extra else ""))
    for key in expected:
        if not isinstance(answer[key], str):
            raise Failure("wrong-shape", f"the name for mystery {key} is {learner.kind(answer[key])}; give each "
                                         f"as a string, one of: {', '.join(NAMES)}.")
        if _name(answer[key]) not in NAMES:
            raise Failure("wrong-values", f"{answer[key]!r} (mystery {key}) is not a name from the list: "
                                          f"{', '.join(NAMES)}.")
    wrong = [f"mystery {k} is not {_name(answer[k])}: with that bug {SYMPTOMS[_name(answer[k])]}. But {SHOWN[k]}"
             for k in expected if _name(answer[k]) != expected[k]]
    if wrong:
        right = len(expected) - len(wrong)
        raise Failure("wrong-values", f"{right} of {len(expected)} named correctly.\n" + "\n".join(wrong))
    return "all three named from their symptoms: " + ", ".join(f"{k} {v}" for k, v in expected.items()) + "."


_WEIGHTS_SHAPE = ("the path has shape (steps, Z), one code per row: a flat vector of steps weights, shape (steps,), "
                  "lines up with the Z entries of a code instead of with the rows, so it cannot broadcast against "
                  "codes of shape (Z,).\n")


@graded("interpolate", beyond.interpolate)
def interpolate(fn):
    """Check interpolate(z_start, z_end, steps) -> (steps, Z), endpoints included, evenly spaced."""
    g = torch.Generator().manual_seed(seeds.of(19))
    for latent, steps in ((2, 7), (5, 2), (3, 11)):
        z0, z1 = torch.randn(latent, generator=g), torch.randn(latent, generator=g)
        expected = beyond.interpolate(z0, z1, steps)
        with shape_errors_as_wrong_shape(_WEIGHTS_SHAPE):
            out = learner.call(fn, z0, z1, steps, what=f"interpolate(z0, z1, {steps})")
        check_unchanged(out, ["z_start", "z_end"])
        got = expect_tensor(out.value, f"interpolate(z_start, z_end, steps={steps})", expected.shape)
        if got.dtype != z0.dtype:
            raise Failure("wrong-values", f"the path came back as {got.dtype} for codes in {z0.dtype}: the decoder "
                                          "that reads it is in the codes' dtype. Keep theirs (and their device).")
        if not close(got, expected):
            if close(got.flip(0), expected):
                raise Failure("wrong-values", "your path runs backwards: the first row must be z_start.")
            if not (close(got[0], z0) and close(got[-1], z1)):
                end, row, name = ("z_start", 0, "first row") if not close(got[0], z0) else ("z_end", -1, "last row")
                raise Failure("wrong-values", "the path must start exactly at z_start and end exactly at z_end "
                              "(both ends included).\n"
                              + example(name, {end: z0 if row == 0 else z1}, expected[row], got[row]))
            raise Failure("wrong-values", "the codes are not evenly spaced on the straight line.\n"
                          + example("second row", {"z_start": z0, "z_end": z1}, expected[1], got[1]))
    _judge_precision(fn, g)
    return "evenly spaced codes from z_start to z_end, both included."


def _judge_precision(fn, g):
    """The task says the path is in the codes' dtype: with float64 codes, weights made in float32 (the default
    dtype of linspace) leave the path float32-precise, though it comes back as float64."""
    z0, z1 = torch.randn(4, generator=g, dtype=torch.float64), torch.randn(4, generator=g, dtype=torch.float64)
    try:
        got = learner.call(fn, z0, z1, 7, what="interpolate(z0, z1, 7) with float64 codes").value
    except Failure as failure:
        if failure.pitfall == "raised" and "dtype" in failure.message:
            raise Failure("wrong-values", "with float64 codes your code fails: the weights t were made in torch's "
                          "default dtype, float32, and the codes are float64. Make them in the codes' dtype (and on "
                          f"their device), as the task says.\n{failure.message}") from None
        raise
    expected = beyond.interpolate(z0, z1, 7)
    got = expect_tensor(got, "interpolate(z_start, z_end, steps=7) with float64 codes", expected.shape)
    if got.dtype != torch.float64:
        raise Failure("wrong-values", f"the path came back as {got.dtype} for codes in float64: the decoder that reads "
                                      "it is in the codes' dtype. Keep theirs (and their device).")
    if not torch.allclose(got.double(), expected, rtol=1e-12, atol=1e-12):
        raise Failure("wrong-values", "with float64 codes your path is only float32-precise: the weights t were made "
                      "in torch's default dtype, float32. Make them in the codes' dtype (and on their device), as "
                      "the task says.")


@graded("iwae_estimate", beyond.iwae_estimate)
def iwae_estimate(fn):
    """Check iwae_estimate(log_weights (k, batch)) -> (batch,) log of the mean of the weights, stably."""
    g = torch.Generator().manual_seed(seeds.of(23))
    log_w = torch.randn(7, 5, generator=g) * 3 - torch.linspace(200, 900, 5)  # real log-weights: far below zero
    (k, batch), expected = log_w.shape, beyond.iwae_estimate(log_w)
    out = learner.call(fn, log_w, what="iwae_estimate(log_weights)")
    check_unchanged(out, ["log_weights"])  # chapter 09 passes views of one pool of log-weights
    got = out.value
    if isinstance(got, torch.Tensor) and got.shape == (k,):
        raise Failure("wrong-shape", f"iwae_estimate returned shape ({k},): one value per sample. Dim 0 holds the "
                                     f"k = {k} samples of each of the {batch} examples; average over it.")
    got = expect_tensor(got, "iwae_estimate", expected.shape)
    if close(got, expected):
        return "the importance-weighted bound, computed stably with logsumexp."
    shown = f"For log-weights of {k} samples (dim 0) of {batch} examples:\n" + example("bound", {}, expected, got)[6:]
    if torch.isinf(got).any():
        top = log_w.max()  # one shift for the whole tensor, not one per example
        if close(got, top + torch.log(torch.exp(log_w - top).mean(0))) and not close(got, log_w.exp().mean(0).log()):
            raise Failure("no-logsumexp", "you shift by one largest log-weight for the whole tensor, so examples "
                          "whose weights lie far below it still underflow to exp(...) = 0. Each example (column) "
                          f"needs its own largest log-weight.\n{shown}")
        raise Failure("no-logsumexp", f"{PITFALLS['no-logsumexp']}\n{shown}")
    for pitfall, wrong, why in _iwae_bugs(log_w):
        if close(got, wrong):
            raise Failure(pitfall, f"{why}\n{shown}")
    raise Failure("wrong-values", shown)


def _iwae_bugs(log_w):
    """(pitfall id, value, what the code did) for each wrong bound a buggy iwae_estimate may return."""
    (k, batch), log_sum, log_k = log_w.shape, torch.logsumexp(log_w, 0), PITFALLS["wrong-log-k"]
    top = log_w.max(dim=0).values
    return [
        ("missing-log-k", log_sum, PITFALLS["missing-log-k"]),
        ("elbo-not-iwae", log_w.mean(0), PITFALLS["elbo-not-iwae"]),
        ("wrong-log-k", log_sum - math.log(batch), f"you subtract log({batch}), the batch size: k is the number of "
                                                   f"samples of each example, {k} here. {log_k}"),
        ("wrong-log-k", log_sum - math.log(k * batch), f"you subtract log({k * batch}), the count of every weight in "
                                                       f"the tensor: each example averages its own k = {k}. {log_k}"),
        ("wrong-log-k", log_sum + math.log(k), f"you add log(k): averaging divides by k. {log_k}"),
        ("wrong-log-k", log_sum / k, f"you divide the log of the sum by k: that is not the log of the average. {log_k}"),
        ("wrong-log-k", log_sum - math.log(k - 1), f"you subtract log(k - 1): the average of k = {k} weights divides "
                                                   f"by k. {log_k}"),
        ("wrong-values", log_sum - math.log(k) - top, "you shift the log-weights by each example's largest one, so "
                                                      "that exp does not underflow, but never add that shift back."),
        ("wrong-values", top, "you return each example's largest log-weight alone: the log of the mean of the weights "
                              "is below it, by anything from 0 to log k."),
    ]


# Labels for two batches: the second lacks the highest label, as most real batches of a few examples do.
_LABELS = (torch.tensor([7, 0, 3, 9, 2, 9]), torch.tensor([2, 5, 0, 5, 1, 3]))


def _name_label_code(got, v, labels, classes):
    """Name a label given as one number, or one-hot codes sized by the batch's largest label."""
    if not isinstance(got, torch.Tensor) or got.dim() != 2 or len(got) != len(v):
        return
    width = got.shape[1] - v.shape[1]
    if width == 1:
        raise Failure("label-not-one-hot", PITFALLS["label-not-one-hot"])
    if width == labels.max().item() + 1 and width != classes:
        raise Failure("label-not-one-hot", f"for a batch whose largest label is {labels.max().item()} your codes "
                      f"had {width} positions, not {classes}: F.one_hot(labels) without num_classes sizes the code by "
                      "the largest label present, so it changes from batch to batch; the width must come from the "
                      f"num_classes passed in ({classes}).")


@graded("condition", beyond.condition)
def condition(fn):
    """Check condition(v, labels) -> v with the labels' one-hot codes appended."""
    g = torch.Generator().manual_seed(seeds.of(29))
    # the course's 10 classes twice, then 4 classes and a float64 v: the code follows num_classes and v's dtype
    for labels, classes, dtype in ((*_LABELS[:1], 10, torch.float32), (*_LABELS[1:], 10, torch.float32),
                                   (torch.tensor([2, 0, 1]), 4, torch.float64)):
        v = torch.rand(len(labels), 3, generator=g, dtype=dtype)
        expected = beyond.condition(v, labels, num_classes=classes)
        call = f"condition(v, labels={labels.tolist()}" + (")" if classes == 10 else f", num_classes={classes})")
        with shape_errors_as_wrong_shape():
            got = learner.call(fn, v, labels, what=call, kwargs={} if classes == 10 else {"num_classes": classes}).value
        _name_label_code(got, v, labels, classes)
        if classes != 10 and isinstance(got, torch.Tensor) and got.shape == (len(v), v.shape[1] + 10):
            raise Failure("label-not-one-hot", f"{call} returned codes of 10 positions, not the num_classes passed in.")
        got = expect_tensor(got, call, expected.shape)
        if got.dtype != v.dtype:
            raise Failure("wrong-values", f"{call} returned {got.dtype} for v in {v.dtype}: the one-hot code must take "
                                          "v's dtype, so that the result is in v's dtype too.")
        if not close(got, expected):
            label = labels[0].item()
            raise Failure("wrong-values", "expected v first, then the one-hot code of the label.\n"
                          + example("row 0", {"v[0]": v[0]}, expected[0], got[0])
                          + f"\n  (row 0's label is {label}: its one-hot code has a 1 at position {label})")
    return "v followed by the one-hot code of each label."


@graded("parameter_count", beyond.parameter_count)
def parameter_count(fn):
    """Check parameter_count(input_dim, hidden_dim, latent_dim) -> the VAE's number of parameters."""
    for sizes in ((784, 400, 20), (10, 7, 3), (1, 1, 1)):
        expected = beyond.parameter_count(*sizes)
        out = learner.call(fn, *sizes, what=f"parameter_count{sizes}", spy=True)
        got, built = out.value, out.built
        if built:
            raise Failure("model-built", f"parameter_count{sizes} built {', '.join(sorted(set(built)))} to count its "
                          "parameters: the task asks for the count from the sizes alone, by the formula for each "
                          "nn.Linear's weights and biases.")
        if isinstance(got, torch.Tensor) and got.numel() == 1 and not got.is_floating_point():
            got = got.item()
        if isinstance(got, (float, torch.Tensor)) or (isinstance(got, learner.Opaque) and "float" in got.dtype):
            raise Failure("wrong-shape", f"parameter_count{sizes} returned {got!r}, not an int: a count of parameters "
                                         "is a whole number, and the task asks for it as a Python int.")
        if isinstance(got, bool) or not isinstance(got, numbers.Integral):
            raise Failure("wrong-shape", f"parameter_count{sizes} returned {got!r} ({learner.kind(got)}); expected "
                                         "a whole number, an int.")
        if int(got) != expected:
            D, H, Z = sizes
            weights_only = D * H + 2 * H * Z + Z * H + H * D
            pitfall = "missing-biases" if int(got) == weights_only else "wrong-values"
            raise Failure(pitfall, f"for D, H, Z = {sizes} expected {expected:,}, got {int(got):,}. "
                          + (PITFALLS[pitfall] if pitfall != "wrong-values" else
                             "Count every nn.Linear of the encoder (hidden, mu, logvar) and the decoder (hidden, out)."))
    return "the number of weights and biases of VAE(D, H, Z) for every size tried, as an int, from the sizes alone."
