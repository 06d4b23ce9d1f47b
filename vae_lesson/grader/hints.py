"""Hints on request, in steps: `check.hint("kl_divergence")` shows the next level each call.

Level 1 gives the idea in words, level 2 the formula, level 3 a code pattern with blanks `___`;
none gives the full code. The stubs say only what to return, so nothing is spoiled unless asked for.
Texts are Markdown (inline code, one fenced block at most), readable as plain text too.
"""
import html
import re
from dataclasses import dataclass

LEVELS = ("the idea", "the formula", "a pattern to fill in")

HINTS = {
    "encoder": (
        "The encoder turns an image into the parameters of a Gaussian over codes. One hidden layer with a "
        "ReLU is shared; two separate linear heads read the same hidden vector, one giving the mean, one the "
        "log-variance. Neither head gets an activation: both may be any real number.",
        "h = ReLU(W₁x + b₁),  μ = W₂h + b₂,  log σ² = W₃h + b₃\n\n"
        "W₁ is hidden_dim × input_dim; W₂ and W₃ are latent_dim × hidden_dim.",
        "```python\n# __init__\nself.hidden = nn.Linear(___, ___)\nself.mu = nn.Linear(___, ___)\n"
        "self.logvar = nn.Linear(___, ___)\n# forward\nh = F.relu(___)\nreturn ___, ___\n```"),
    "reparameterize": (
        "Sampling z straight from N(μ, σ²) would cut the gradient. Draw the noise first from a standard "
        "normal, which has no parameters, then scale it by the standard deviation and shift it by the mean. "
        "The encoder gives the log-variance, so turn it into a standard deviation first.",
        "σ = exp(½ · log σ²),  ε ~ N(0, I),  z = μ + σ ⊙ ε  (⊙: elementwise product)",
        "```python\nstd = torch.exp(___)\neps = torch.randn_like(___)  # same shape, dtype and device\n"
        "return ___\n```"),
    "decoder": (
        "The decoder mirrors the encoder: a hidden layer with a ReLU, then an output layer with one value per "
        "pixel. A pixel lies in [0, 1], so the output layer's values must be squashed into that range.",
        "h = ReLU(W₃z + b₃),  x̂ = sigmoid(W₄h + b₄),  sigmoid(a) = 1 / (1 + e⁻ᵃ) ∈ (0, 1)",
        "```python\n# __init__\nself.hidden = nn.Linear(___, ___)\nself.out = nn.Linear(___, ___)\n"
        "# forward\nreturn torch.sigmoid(___)\n```"),
    "kl_divergence": (
        "The KL between two Gaussians has a closed form: no sampling needed. With a diagonal covariance the "
        "latent dimensions are independent, so the KL is a sum of one-dimensional terms, and the examples of a "
        "batch add up too. The encoder gives log σ²; σ² is its exponential.",
        "KL = −½ Σ_batch Σ_j (1 + log σⱼ² − μⱼ² − σⱼ²),  σⱼ² = exp(log σⱼ²)",
        "```python\nreturn -0.5 * torch.sum(1 + ___ - ___ - ___)\n```"),
    "vae_loss": (
        "The loss is the negative ELBO, less a constant: how far x̂ is from x, plus the KL of chapter 04 that "
        "keeps codes near the prior. Both terms are summed over everything in the batch, neither averaged. "
        "The weight of one term against the other is set by the decoder's variance σ² (the course takes "
        "σ² = ½, which gives the squared error a weight of one); summing keeps that weight, while averaging "
        "divides the two terms by different counts and changes it (chapter 06 shows by how much).",
        "L = Σ_batch Σ_i (x̂ᵢ − xᵢ)² + KL(μ, log σ²)",
        "```python\nreturn F.mse_loss(___, ___, reduction=___) + kl_divergence(___, ___)\n```"),
    "vae": (
        "The VAE wires together what you have: an Encoder, reparameterize and a Decoder. Images come as "
        "(batch, 1, 28, 28) but the encoder reads rows of input_dim numbers; the decoder maps codes back to "
        "input_dim numbers.",
        "x ↦ flat(x) ↦ (μ, log σ²) = enc(flat(x)),  z = μ + σ ⊙ ε,  x̂ = dec(z);  return (x̂, μ, log σ²)",
        "```python\n# __init__\nself.encoder = Encoder(___, ___, ___)\nself.decoder = Decoder(___, ___, ___)\n"
        "# forward\nmu, logvar = self.encoder(x.flatten(start_dim=___))\nz = ___\nreturn ___, mu, logvar\n```"),
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
        "explains it.\n```python\nreturn {\"A\": \"___\", \"B\": \"___\", \"C\": \"___\"}  # names from the "
        "list above the exercise\n```"),
    "interpolate": (
        "Walk along the straight line from one code to the other: a weight t goes from 0 to 1 in `steps` even "
        "steps, and each code mixes the two ends by that weight. Make t on the codes' device and dtype, and "
        "shape it as a column so that it broadcasts over the Z entries of each code.",
        "z_t = (1 − t) · z_start + t · z_end,  t ∈ {0, 1/(steps−1), 2/(steps−1), …, 1}",
        "```python\nt = torch.linspace(___, ___, steps, dtype=z_start.dtype, device=z_start.device)"
        ".unsqueeze(___)\nreturn ___\n```"),
    "elbo_estimate": (
        "The ELBO of one example is a log-likelihood minus a KL, both in nats. The log-likelihood is the "
        "Gaussian log-density of the image around its reconstruction, the same variance in every pixel: a "
        "squared-error term scaled by that variance, plus a normalising constant that grows with the number of "
        "pixels. Keep the constant. The KL is chapter 04's closed form, totalled per example, not over the batch.",
        "With v = sigma2 and ℓ = logvar, for example b:\n\n"
        "ELBO_b = − Σ_d (x_bd − x̂_bd)² / (2v) − (D/2)·log(2πv) − KL_b\n\n"
        "KL_b = −½ Σ_j (1 + ℓ_bj − μ_bj² − e^ℓ_bj)   (d runs over the D pixels, j over the latent dims)",
        "```python\nD = x.shape[___]\nlog_px_z = -((x - x_hat) ** 2).sum(dim=___) / ___ - ___  # the constant\n"
        "kl = -0.5 * (___).sum(dim=___)\nreturn ___\n```"),
    "iwae_estimate": (
        "You need the log of an average of exponentials, and a log-weight of −300 is 0 once exponentiated in "
        "floating point. Take the largest log-weight m of an example out of its sum: exp(aᵢ) = exp(m) exp(aᵢ − m). "
        "What is left to exponentiate, and how large can it get? And what does dividing by k become in log space?",
        "log((1/k) Σᵢ exp(aᵢ)) = log Σᵢ exp(aᵢ) − log k = m + log Σᵢ exp(aᵢ − m) − log k,  m = maxᵢ aᵢ",
        "```python\nk = log_weights.shape[___]\nreturn torch.logsumexp(___, dim=___) - math.log(___)\n```"),
    "condition": (
        "Turn each integer label into a row of num_classes numbers, 1 at the label's position and 0 elsewhere, "
        "in v's dtype (and on its device), then place those rows after v's columns.",
        "[v | e_y]: row b is (v_b1, …, v_bn, 0, …, 0, 1, 0, …, 0), the 1 at position n + y_b (counting from 1).",
        "```python\none_hot = torch.nn.functional.one_hot(___, num_classes=___).to(___)\n"
        "return torch.cat([___, ___], dim=___)\n```"),
    "parameter_count": (
        "Count layer by layer. A linear layer from a inputs to b outputs has a weight for each pair and a bias "
        "for each output. The VAE has five: the encoder's hidden layer and two heads, the decoder's hidden and "
        "output layers.",
        "params(Linear(a, b)) = a·b + b;  layers: D→H, H→Z, H→Z, Z→H, H→D\n\n"
        "(D: input_dim, H: hidden_dim, Z: latent_dim)",
        "```python\ndef linear(a, b):\n    return ___  # weights and biases of nn.Linear(a, b)\n\n"
        "return linear(input_dim, hidden_dim) + ___  # five layers in all\n```"),
    "train_step": (
        "One optimisation step: clear the gradients left by the last step, run the model on the batch, compute "
        "the course loss, backpropagate and let the optimiser update the weights. Hand back the loss as a "
        "plain Python float, not a tensor that keeps the graph alive.",
        "(x̂, μ, log σ²) = model(x),  L = Σ(x̂ − x)² + KL(μ, log σ²),  g = ∇_θ L,  θ ← optimiser(θ, g)",
        "```python\noptimizer.___()  # clear the old gradients\nx_hat, mu, logvar = model(___)\n"
        "loss = vae_loss(___, ___, ___, ___)\n___.backward()\n"
        "optimizer.___()  # update the weights\nreturn loss.___()\n```"),
    "sample": (
        "Generating needs no encoder: draw n codes from the prior N(0, I) and decode them. Make the codes on "
        "the decoder's device and in its dtype (read both off one of its parameters), and switch gradient "
        "tracking off: nothing is trained here.",
        "zᵢ ~ N(0, I_Z) for i = 1…n,  x̂ᵢ = dec(zᵢ),  Z = the decoder's input size",
        "```python\nweight = next(decoder.parameters())\nwith torch.___():\n"
        "    # Z: the decoder's first nn.Linear takes Z inputs; its weight has shape (hidden, Z)\n"
        "    z = torch.randn(n, ___, device=___, dtype=___)\n    return ___\n```"),
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
