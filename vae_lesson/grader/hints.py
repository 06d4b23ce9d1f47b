"""Hints on request, in steps: `check.hint("kl_divergence")` shows the next level each call.

Level 1 gives the idea in words, level 2 the formula, level 3 a worked example: the same pattern on another
problem, or the exercise on numbers small enough to do by hand, with a check to run. No level writes a line
of the exercise, blanked or not: copying a hint passes nothing. The stubs say only what to return.
Texts are Markdown (inline code, one fenced block at most), readable as plain text too.
"""
import html
import re
from dataclasses import dataclass

LEVELS = ("the idea", "the formula", "a worked example")

HINTS = {
    "encoder": (
        "The encoder turns an image into the parameters of a Gaussian over codes. One hidden layer with a "
        "ReLU is shared; two separate linear heads read the same hidden vector, one giving the mean, one the "
        "log-variance. Neither head gets an activation: both may be any real number.",
        "h = ReLU(W₁x + b₁),  μ = W₂h + b₂,  log σ² = W₃h + b₃\n\n"
        "W₁ is hidden_dim × input_dim; W₂ and W₃ are latent_dim × hidden_dim.",
        "A module of the same shape for another job: from 3 weather readings, one hidden layer of 16 units, and "
        "two heads predicting tomorrow's temperature as a mean and a log-variance. Yours takes its sizes from "
        "the constructor's arguments and keeps the names the exercise gives.\n"
        "```python\nclass Forecast(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.body = nn.Linear(3, 16)\n        self.mean_head = nn.Linear(16, 1)\n"
        "        self.spread_head = nn.Linear(16, 1)\n\n    def forward(self, readings):\n"
        "        shared = F.relu(self.body(readings))\n        return self.mean_head(shared), self.spread_head(shared)\n"
        "```\nCheck: `Encoder(784, 400, 20)(torch.rand(5, 784))` gives two tensors of shape (5, 20)."),
    "reparameterize": (
        "Sampling z straight from N(μ, σ²) would cut the gradient. Draw the noise first from a standard "
        "normal, which has no parameters, then scale it by the standard deviation and shift it by the mean. "
        "The encoder gives the log-variance, so turn it into a standard deviation first.",
        "σ = exp(½ · log σ²),  ε ~ N(0, I),  z = μ + σ ⊙ ε  (⊙: elementwise product)",
        "One entry by hand: μ = 1, log σ² = log 9 ≈ 2.197, and a noise draw ε = −0.5. Then σ = exp(½ · 2.197) = 3 "
        "and z = 1 + 3 · (−0.5) = −0.5. Your function does this for every entry at once, with tensor operations. "
        "Which torch function draws standard normal noise with the shape, dtype and device of a tensor you "
        "already have? Check: with `mu = torch.zeros(100_000)` and `logvar = torch.full((100_000,), math.log(4))`, "
        "the samples' standard deviation should be close to 2 and `mu.requires_grad_()` should get a gradient."),
    "decoder": (
        "The decoder mirrors the encoder: a hidden layer with a ReLU, then an output layer with one value per "
        "pixel. A pixel lies in [0, 1], so the output layer's values must be squashed into that range.",
        "h = ReLU(W₃z + b₃),  x̂ = sigmoid(W₄h + b₄),  sigmoid(a) = 1 / (1 + e⁻ᵃ) ∈ (0, 1)",
        "Compare it with the encoder you wrote in chapter 01: the same first half (a linear layer, then a ReLU), "
        "then one output layer instead of two heads, and one more step at the very end, the function of level 2 "
        "that maps any real number into (0, 1). Check: `Decoder(20, 400, 784)(torch.randn(5, 20))` has shape "
        "(5, 784), and its smallest value is at least 0 and its largest at most 1, whatever the input's scale."),
    "kl_divergence": (
        "The KL between two Gaussians has a closed form: no sampling needed. With a diagonal covariance the "
        "latent dimensions are independent, so the KL is a sum of one-dimensional terms, and the examples of a "
        "batch add up too. The encoder gives log σ²; σ² is its exponential.",
        "KL = −½ Σ_batch Σ_j (1 + log σⱼ² − μⱼ² − σⱼ²),  σⱼ² = exp(log σⱼ²)",
        "Two latent units by hand, each term written as ½ (μ² + σ² − 1 − log σ²), the same formula rearranged. "
        "μ = 0.5, log σ² = 0: ½ (0.25 + 1 − 1 − 0) = 0.125 nats. μ = 0, log σ² = log 4: ½ (0 + 4 − 1 − 1.386) = "
        "0.807 nats. So for `mu = torch.tensor([[0.5, 0.0]])` and `logvar = torch.tensor([[0.0, math.log(4)]])` "
        "your function must return 0.932 (to three decimals). Build each entry's term with elementwise tensor "
        "operations on the whole (batch, Z) tensors, then add up everything once."),
    "vae_loss": (
        "The loss is the negative ELBO, less a constant: how far x̂ is from x, plus the KL of chapter 04 that "
        "keeps codes near the prior. Both terms are summed over everything in the batch, neither averaged. "
        "The weight of one term against the other is set by the decoder's variance σ² (the course takes "
        "σ² = ½, which gives the squared error a weight of one); summing keeps that weight, while averaging "
        "divides the two terms by different counts and changes it (chapter 06 shows by how much).",
        "L = Σ_batch Σ_i (x̂ᵢ − xᵢ)² + KL(μ, log σ²)",
        "A case small enough to do by hand: `x = torch.tensor([[1.0, 0.0]])`, `x_hat = torch.tensor([[0.5, 0.5]])`, "
        "`mu = logvar = torch.zeros(1, 1)`. The squared errors are 0.25 and 0.25, the KL is 0, so the loss is 0.5. "
        "If your function gives 0.25, it averaged: read what `F.mse_loss`'s `reduction` argument does. For the "
        "KL, chapter 04's `kl_divergence` is already summed; reuse it."),
    "vae": (
        "The VAE wires together what you have: an Encoder, reparameterize and a Decoder. Images come as "
        "(batch, 1, 28, 28) but the encoder reads rows of input_dim numbers; the decoder maps codes back to "
        "input_dim numbers.",
        "x ↦ flat(x) ↦ (μ, log σ²) = enc(flat(x)),  z = μ + σ ⊙ ε,  x̂ = dec(z);  return (x̂, μ, log σ²)",
        "Follow the shapes for a batch of 5 digits, one line of code per arrow: x (5, 1, 28, 28) → flat "
        "(5, 784), keeping the batch dimension and merging all the others (from which dimension does the "
        "flattening start?) → encoder → μ and log σ², each (5, 20) → reparameterize → z (5, 20) → decoder → "
        "x̂ (5, 784). Check: `VAE()(torch.rand(5, 1, 28, 28))` returns tensors of shapes (5, 784), (5, 20), (5, 20)."),
    "spot_the_bug": (
        "Diagnose each mystery in three places, against the correct model: the curves (do they settle, swing, "
        "or sit at zero, and on what scale?), the pictures (digits, one average digit, or speckles?), and "
        "kl_two_ways (does its loss's KL agree with the course's formula?). Cross out every name whose symptom "
        "is missing, and remember that the six pitfalls of this chapter are not among the answers.",
        "Collect facts before naming anything. For each mystery write down: the ratio kl_two_ways prints (its "
        "loss's KL over the formula's); whether the KL ends near 0 and every input decodes to one average digit; "
        "whether the training curve settles or swings, and on what scale. Then, for each name in the list, ask "
        "which of those facts that change would produce, and which it could not.",
        "One mystery worked through, so you can do the other two the same way. The ratio printed for mystery A "
        "is 2.0000: its loss uses a KL exactly twice the formula's. Only one name in the list doubles the KL term "
        "and changes nothing else, so A is that one. "
        "For B and C, find the one fact that sets each apart from the correct model, and the one name that "
        "explains it. Return a dict from each mystery's letter to its name, spelled as in the list above the "
        "exercise."),
    "interpolate": (
        "Walk along the straight line from one code to the other: a weight t goes from 0 to 1 in `steps` even "
        "steps, and each code mixes the two ends by that weight. Make t on the codes' device and dtype, and "
        "shape it as a column so that it broadcasts over the Z entries of each code.",
        "z_t = (1 − t) · z_start + t · z_end,  t ∈ {0, 1/(steps−1), 2/(steps−1), …, 1}",
        "Broadcasting does the mixing: a (steps, 1) column of weights against a (Z,) code gives (steps, Z). With "
        "three hand-picked weights:\n"
        "```python\nw = torch.tensor([[0.0], [0.25], [1.0]])  # a (3, 1) column\n"
        "a, b = torch.tensor([0.0, 4.0]), torch.tensor([8.0, 0.0])\n"
        "(1 - w) * a + w * b  # rows [0, 4], [2, 3], [8, 0]\n```\n"
        "Yours needs `steps` evenly spaced weights from 0 to 1, both ends included (torch has a function for "
        "evenly spaced values), made with dtype= and device= taken from z_start."),
    "elbo_estimate": (
        "The ELBO of one example is a log-likelihood minus a KL, both in nats. The log-likelihood is the "
        "Gaussian log-density of the image around its reconstruction, the same variance in every pixel: a "
        "squared-error term scaled by that variance, plus a normalising constant that grows with the number of "
        "pixels. Keep the constant. The KL is chapter 04's closed form, totalled per example, not over the batch.",
        "With v = sigma2 and ℓ = logvar, for example b:\n\n"
        "ELBO_b = − Σ_d (x_bd − x̂_bd)² / (2v) − (D/2)·log(2πv) − KL_b\n\n"
        "KL_b = −½ Σ_j (1 + ℓ_bj − μ_bj² − e^ℓ_bj)   (d runs over the D pixels, j over the latent dims)",
        "One example by hand, D = 2 pixels, Z = 1, sigma2 = 0.5: x = [1, 0], x̂ = [0.5, 0.5], μ = [0], log σ² = [0]. "
        "Squared error 0.25 + 0.25 = 0.5, divided by 2 · sigma2 = 1: 0.5. The constant (D/2) · log(2π · 0.5) = "
        "log π ≈ 1.145. The KL is 0. So the ELBO is −0.5 − 1.145 − 0 ≈ −1.645. Each of these is one tensor "
        "expression; add up over the pixels and over the latent units (dimension 1), never over the examples "
        "(dimension 0), so that one value per example is left. Check: `elbo_estimate(torch.tensor([[1.0, 0.0]]), "
        "torch.tensor([[0.5, 0.5]]), torch.zeros(1, 1), torch.zeros(1, 1))` gives about tensor([-1.645])."),
    "iwae_estimate": (
        "You need the log of an average of exponentials, and a log-weight of −300 is 0 once exponentiated in "
        "floating point. Take the largest log-weight m of an example out of its sum: exp(aᵢ) = exp(m) exp(aᵢ − m). "
        "What is left to exponentiate, and how large can it get? And what does dividing by k become in log space?",
        "log((1/k) Σᵢ exp(aᵢ)) = log Σᵢ exp(aᵢ) − log k = m + log Σᵢ exp(aᵢ − m) − log k,  m = maxᵢ aᵢ",
        "A case by hand: one example with log-weights −1000 and −1000. The average weight is e⁻¹⁰⁰⁰, so the "
        "answer is −1000; but exp(−1000) is 0 even in float64, so log(mean(exp(·))) gives −inf. With m = −1000 "
        "taken out: m + log((e⁰ + e⁰) / 2) = −1000 + log 1 = −1000. torch has a function that computes the log "
        "of a sum of exponentials this way along one dimension; then account for the 1/k in log space. The "
        "docstring says which dimension of log_weights holds the k samples. Check: "
        "`iwae_estimate(torch.full((2, 1), -1000.0))` gives tensor([-1000.])."),
    "condition": (
        "Turn each integer label into a row of num_classes numbers, 1 at the label's position and 0 elsewhere, "
        "in v's dtype (and on its device), then place those rows after v's columns.",
        "[v | e_y]: row b is (v_b1, …, v_bn, 0, …, 0, 1, 0, …, 0), the 1 at position n + y_b (counting from 1).",
        "A tiny case: `v = torch.tensor([[0.5, 2.0]])`, `labels = torch.tensor([1])`, `num_classes = 3`. The "
        "label's one-hot row is [0, 1, 0], so the result is [[0.5, 2.0, 0.0, 1.0, 0.0]]. torch.nn.functional has a "
        "function that turns integer labels into one-hot rows; it returns integers, so convert them to v's dtype "
        "before joining the two along the columns. Check the shape: (batch, n + num_classes)."),
    "parameter_count": (
        "Count layer by layer. A linear layer from a inputs to b outputs has a weight for each pair and a bias "
        "for each output. The VAE has five: the encoder's hidden layer and two heads, the decoder's hidden and "
        "output layers.",
        "params(Linear(a, b)) = a·b + b;  layers: D→H, H→Z, H→Z, Z→H, H→D\n\n"
        "(D: input_dim, H: hidden_dim, Z: latent_dim)",
        "A small VAE by hand, VAE(4, 3, 2): 4→3 has 4·3 + 3 = 15, each head 3→2 has 3·2 + 2 = 8, 2→3 has 9 and "
        "3→4 has 16: 15 + 8 + 8 + 9 + 16 = 56. Check: `parameter_count(4, 3, 2)` is 56, the same as "
        "`sum(p.numel() for p in VAE(4, 3, 2).parameters())`, and it is a Python int."),
    "train_step": (
        "One optimisation step: clear the gradients left by the last step, run the model on the batch, compute "
        "the course loss, backpropagate and let the optimiser update the weights. Hand back the loss as a "
        "plain Python float, not a tensor that keeps the graph alive.",
        "(x̂, μ, log σ²) = model(x),  L = Σ(x̂ − x)² + KL(μ, log σ²),  g = ∇_θ L,  θ ← optimiser(θ, g)",
        "Six steps, each one line, in this order, and why the order matters: the optimiser's gradients are "
        "cleared first, or this step adds to the last one's; the model runs on the batch; the chapter's "
        "`vae_loss` scores its three outputs against the batch; backpropagation starts from that loss; the "
        "optimiser steps only after it, or it moves on stale gradients; the loss goes back as a number, which a "
        "tensor method gives. Check: two calls on the same batch change the weights, and the second usually "
        "returns a smaller number than the first."),
    "sample": (
        "Generating needs no encoder: draw n codes from the prior N(0, I) and decode them. Make the codes on "
        "the decoder's device and in its dtype (read both off one of its parameters), and switch gradient "
        "tracking off: nothing is trained here.",
        "zᵢ ~ N(0, I_Z) for i = 1…n,  x̂ᵢ = dec(zᵢ),  Z = the decoder's input size",
        "Three lines of thought. Z: the decoder's first `nn.Linear` takes Z inputs, so its weight has shape "
        "(hidden, Z); it is the first tensor `decoder.parameters()` yields, and it also carries the device and dtype "
        "the codes need. The codes: n rows of Z standard normal numbers, made there. The images: the decoder "
        "applied to them, inside a block that switches gradient tracking off. Check: `sample(decoder, 4)` has "
        "shape (4, 784) and `requires_grad` False, and two calls give different images."),
}

_shown = {}  # exercise -> level last shown, so each call goes one step further
_FENCE = re.compile(r"```(?:python)?\n(.*?)```", re.S)
_CODE = re.compile(r"`([^`]*)`")


@dataclass
class Hint:
    """One level of an exercise's hints, shown as HTML or Markdown in JupyterLab, as text elsewhere."""
    exercise: str
    level: int
    text: str

    @property
    def heading(self):
        return f"Hint {self.level} of {len(LEVELS)} for {self.exercise}: {LEVELS[self.level - 1]}"

    @property
    def footer(self):
        if self.level < len(LEVELS):
            return f"Still stuck? check.hint('{self.exercise}') again shows hint {self.level + 1}."
        return "That was the last hint; the check's message after a FAILED run tells what differs."

    def __repr__(self):
        return f"{self.heading}\n\n{self.text}\n\n{self.footer}"

    def _repr_markdown_(self):
        return f"**{self.heading}**\n\n{self.text}\n\n*{self.footer}*"

    def _repr_html_(self):
        parts = _FENCE.split(self.text)  # prose, code, prose, ...
        body = "".join(f"<pre><code>{html.escape(p.rstrip())}</code></pre>" if i % 2 else _prose_html(p)
                       for i, p in enumerate(parts))
        return (f'<div style="border-left:4px solid #0969da;padding:4px 8px">'
                f'<b style="color:#0969da">{html.escape(self.heading)}</b>{body}'
                f'<p><i>{html.escape(self.footer)}</i></p></div>')


def _prose_html(text):
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + _CODE.sub(r"<code>\1</code>", html.escape(p)) + "</p>" for p in paragraphs)


def hint(exercise, level=None):
    """The next hint for an exercise (or hint `level`, 1 to 3); run it again for the next one. The exercise by
    its check's name ("encoder") or by what it defines ("Encoder", "VAE")."""
    exercise = exercise.lower() if isinstance(exercise, str) and exercise.lower() in HINTS else exercise
    if exercise not in HINTS:
        raise ValueError(f"no hints for {exercise!r}; the exercises are: {', '.join(sorted(HINTS))}")
    if level is None:
        level = min(_shown.get(exercise, 0) + 1, len(LEVELS))
    elif level not in range(1, len(LEVELS) + 1):
        raise ValueError(f"hint levels run from 1 to {len(LEVELS)}, not {level!r}")
    _shown[exercise] = level
    return Hint(exercise, level, HINTS[exercise][level - 1])
