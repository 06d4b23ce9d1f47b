"""The common mistakes, by id: what each means, and each one as real code.

The grader compares a learner's output with these variants to name the mistake;
the chapters show what each one does to a model.
"""
import math

import torch
import torch.nn.functional as F

from ..reference import kl_divergence

from . import seeds

PITFALLS = {
    "logvar-as-variance": "logvar was treated as a variance (its sqrt or log taken), or the encoder returns a "
                          "variance or std, or squashes its logvar head to be non-negative. The encoder's second head "
                          "is log(sigma^2): any real number, negative included.",
    "std-not-exponentiated": "0.5 * logvar is not a standard deviation: it is negative wherever the variance is "
                             "below 1, and it is a scaled log, not a spread. logvar is log(sigma^2): the standard "
                             "deviation sigma has to be recovered from that log, not scaled from it.",
    "std-missing-half": "exp(logvar) is the variance sigma^2, and half of it is no closer: the noise must be "
                        "scaled by the standard deviation sigma, not by the variance or a fraction of it.",
    "noise-not-randn-like": "the noise eps must be standard normal, N(0, 1), with std's shape, dtype and device. "
                            "torch.rand_like is uniform on [0, 1), mean 0.5; torch.randn(shape) is float32 on the "
                            "CPU whatever the inputs are.",
    "no-noise": "z must be a random draw from q(z|x), not a fixed function of x: without the draw, the loss is no "
                "longer an estimate of the ELBO but a plain autoencoder's loss with the KL added.",
    "gradient-blocked": "a value can be right while its gradient is cut: a .detach(), .data, .item(), a NumPy round "
                        "trip or torch.no_grad() inside the computation leaves the output as it was and takes away "
                        "the gradient of what is behind it, so training never changes those weights. Compute "
                        "everything with torch operations on the tensors themselves.",
    "model-built": "parameter_count asks for the VAE's size reasoned out from its layers' shapes. Building a model and "
                   "counting its parameters skips the reasoning the exercise is about.",
    "no-gradient": "the sample must stay differentiable: no .sample(), .detach() or torch.no_grad(). Built from mu "
                   "and the standard deviation by ordinary tensor arithmetic, with the noise as its only random "
                   "input, z lets gradients reach mu and logvar.",
    "missing-sigmoid": "the decoder's outputs are not squashed smoothly into [0, 1], where the pixels are: its "
                       "last layer's output goes out as it is, or is cut off at 0 and 1.",
    "kl-sign-flipped": "KL divergence is never negative, and yours is: a sign is flipped, in front of the sum or "
                       "inside it (chapter 04's derivation has each one). The ELBO subtracts the KL, so the loss adds "
                       "it as a positive term.",
    "grad-left-off": "gradients were switched off with torch.set_grad_enabled(False) and never switched back, so "
                     "everything run after the call runs without them.",
    "kl-missing-exp": "the closed form has both log sigma^2 and sigma^2 in it; you used logvar where the variance "
                      "sigma^2 itself belongs, and logvar is its log.",
    "kl-wrong-term": "one term inside the closed form's sum is off: go through chapter 04's "
                     "derivation term by term, remembering that logvar is the log of the variance.",
    "kl-reversed": "that is KL(p || q), the prior's divergence from the posterior. The ELBO has KL(q(z|x) || p(z)), "
                   "and the KL is not symmetric: the two differ whenever q is not N(0, I).",
    "kl-monte-carlo": "your KL changes from call to call: an estimate at sampled codes (log q(z) minus log p(z)). "
                      "Between two Gaussians the KL has a closed form, exact, with no sampling noise in its value or "
                      "its gradient: chapter 04 derives it.",
    "wrong-reconstruction": "the reconstruction term is the squared error summed over every pixel of the batch: not "
                            "half of it (the Gaussian with variance 1 has that 1/2, this course's loss does not), and "
                            "not the norm of the difference, the square root of that sum.",
    "kl-missing-half": "your KL is exactly twice the closed form's: a factor of the closed form is missing.",
    "mean-reduction": "a term was averaged where the course sums (a mean, or F.mse_loss's default): a "
                      "mean over elements divides the two terms by different counts and so shifts their balance; "
                      "dividing the whole loss by the batch size keeps the balance but rescales the loss and its "
                      "gradients.",
    "missing-kl-term": "the loss is reconstruction + KL: the KL term is missing, so nothing pulls q(z|x) towards N(0, I).",
    "missing-reconstruction-term": "the loss is reconstruction + KL: the reconstruction term is missing, so nothing "
                                   "asks the decoder to reproduce x.",
    "bce-instead-of-mse": "this course's loss uses MSE (sum) for reconstruction; you used binary cross-entropy, the "
                          "Bernoulli likelihood of chapter 09.",
    "no-logsumexp": "log(mean(exp(log_w))) underflows: real log-weights are hundreds of nats below zero, where exp "
                    "gives exactly 0 and the log -inf. Stay in log space: an average of exponentials can be "
                    "computed without ever exponentiating a number far below zero (check.hint shows how, in steps).",
    "missing-log-k": "the importance-weighted bound averages the k weights: the log of the sum of the weights is "
                     "log(k) too large.",
    "wrong-log-k": "the mean of an example's weights divides their sum by k, the number of samples of that "
                   "example.",
    "elbo-not-iwae": "the mean of the log-weights is the ELBO estimate (Jensen's inequality moves the log inside); the "
                     "importance-weighted bound takes the log of the mean of the weights.",
    "elbo-missing-constant": "your ELBO leaves out the Gaussian's normalising constant, which "
                             "log N(x; x_hat, sigma2 I) includes for every example (it depends on D and sigma2; "
                             "chapter 05 derives it). "
                             "Without it the number is not a log-density in nats and cannot be compared with other "
                             "models' bounds or the IWAE estimate.",
    "elbo-wrong-constant": "your Gaussian normalising constant is not that of N(x; x_hat, sigma2 I) for one example "
                           "of D pixels. Check which D it uses (the pixel count of one example: not the batch size, "
                           "not the batch's pixel count, and not MNIST's 784 written in), its sign, and what its "
                           "log holds (chapter 05 derives it).",
    "elbo-summed-over-batch": "the ELBO is one number per example, shape (batch,): a sum over each example's pixels "
                              "and latent dims, not over the batch as well.",
    "elbo-wrong-variance": "your Gaussian does not have variance sigma2: its squared error or its normalising "
                           "constant is scaled by another number (1, 2, the standard deviation, or sigma2 squared). "
                           "Normal(x_hat, scale) takes a standard deviation as its scale, not a variance. Use the "
                           "sigma2 passed in.",
    "elbo-is-loss": "the ELBO is log p(x|z) - KL, a number below zero for images: you returned the loss, its "
                    "negative (reconstruction error + KL).",
    "label-not-one-hot": "give the network the label as a one-hot vector of fixed length num_classes: not as a "
                         "single number (digit 7 is not 'seven times' digit 1), and not sized by the batch's largest "
                         "label, which changes from batch to batch.",
    "missing-biases": "you counted the weights only: each nn.Linear has a bias for each of its outputs too.",
    "grad-not-zeroed": "backward adds its gradients to what .grad already holds: nothing cleared them between "
                       "steps, so each step followed the sum of every gradient so far.",
    "grad-clipped": "the course's step follows the gradient exactly as backward leaves it. Clipping is a cure for "
                    "exploding gradients that this small model does not have, and it changes every step: leave it "
                    "out unless a chapter asks for it.",
    "no-optimizer-step": "the parameters never changed: backward only computes gradients, and nothing in your step "
                         "applied them.",
    "no-backward": "optimizer.step() follows the gradients in .grad, and nothing in your step computed this batch's: "
                   "nothing is learned from it.",
    "loss-item-before-backward": "loss.item() is a plain number with no graph, so there is nothing for backward to "
                                 "follow back to the weights.",
    "model-in-eval-mode": "the step ran with the model in eval mode: eval mode changes layers such as dropout and "
                          "batch norm, and a step should not leave the model in it.",
    "step-before-backward": "a step follows whatever gradients .grad holds when it runs: taken before this batch's "
                            "were computed, it used an earlier batch's, or none.",
    "grad-zeroed-before-step": "zero_grad() between loss.backward() and optimizer.step() throws away the gradients "
                               "just computed, so the step never sees this batch's gradients.",
    "no-grad-in-training": "torch.no_grad() and inference_mode are for evaluation and sampling: a training step "
                           "needs the graph that backward follows.",
    "returns-tensor": "train_step returned a tensor where a Python float is asked for: a tensor keeps its graph, and "
                      "summing such values over an epoch keeps every batch's graph in memory.",
    "sample-builds-graph": "sampling recorded an autograd graph: nothing is trained here, so the graph only costs "
                           "memory and time.",
    "sample-wrong-dtype": "z was not drawn in the decoder's dtype, or not on its device: torch.randn(n, Z) alone is "
                          "float32 on the CPU, whatever the decoder's weights are.",
    "sample-not-fresh": "each call must draw new codes: a seed set inside sample, or codes made once and reused, "
                        "give the same images every time.",
    "wrong-shape": "the output does not have the expected type or shape.",
    "wrong-values": "the output has the right shape but not the expected values.",
    "modified-input": "your code changed one of its input tensors in place; compute new tensors instead.",
    "not-implemented": "the exercise is still a stub that raises NotImplementedError.",
    "raised": "your code raised an exception.",
    "too-slow": "your code took too long; a check allows it a few seconds.",
}

# Where a pitfall's general explanation does not fit an exercise, the one that does: what a check says and the
# "Why:" line under its verdict both come from explain(exercise, pitfall).
_LOSS_TERM = ("a loss term must stay a tensor connected to {inputs}: .item(), .detach(), numpy or torch.no_grad() "
              "make a number the optimiser cannot follow back to the {whose} weights, even if requires_grad is set "
              "again.")
EXPLANATIONS = {
    ("kl_divergence", "no-gradient"): _LOSS_TERM.format(inputs="mu and logvar", whose="encoder's"),
    ("vae_loss", "no-gradient"): _LOSS_TERM.format(inputs="x_hat, mu and logvar", whose="model's"),
    ("vae_loss", "kl-sign-flipped"): "the KL enters your loss with a minus sign: the loss is the negative ELBO, "
                                     "reconstruction error plus the KL, since the ELBO subtracts the KL.",
    ("elbo_estimate", "kl-sign-flipped"): "the KL enters your ELBO with a plus sign: the ELBO is the expected "
                                          "log-likelihood minus the KL (the KL itself is never negative, and "
                                          "subtracting it is what makes the ELBO a lower bound).",
    ("sample", "noise-not-randn-like"): "the codes of samples are draws from the prior N(0, I): standard normal in "
                                        "every latent dimension.",
    ("elbo_estimate", "bce-instead-of-mse"): "you used binary cross-entropy, the Bernoulli likelihood of chapter 09; "
                                             "this ELBO's likelihood is the Gaussian N(x; x_hat, sigma2 I) of chapter "
                                             "05.",
    ("elbo_estimate", "mean-reduction"): "a mean where the ELBO sums: log N(x; x_hat, sigma2 I) is the sum of D "
                                         "per-pixel log-densities and the KL the sum over the latent dims "
                                         "(F.mse_loss averages unless told otherwise). A mean divides a "
                                         "term by its count and so is no longer a log-density in nats.",
}


def explain(exercise, pitfall):
    """What `pitfall` means in `exercise`: its own explanation there, else the general one."""
    return EXPLANATIONS.get((exercise, pitfall)) or PITFALLS.get(pitfall, "")


# Reparameterization variants: (pitfall, what the code does, (mu, logvar) -> z). Each draws eps exactly as
# the reference does, so with the same seed a learner's buggy code reproduces its variant to the last bit.
REPARAMETERIZE_BUGS = [
    ("std-not-exponentiated", "you used std = 0.5 * logvar",
     lambda mu, logvar: mu + 0.5 * logvar * torch.randn_like(logvar)),
    ("std-missing-half", "you used std = exp(logvar), the variance",
     lambda mu, logvar: mu + torch.exp(logvar) * torch.randn_like(logvar)),
    ("std-missing-half", "you used std = 0.5 * exp(logvar), half the variance",
     lambda mu, logvar: mu + 0.5 * torch.exp(logvar) * torch.randn_like(logvar)),
    ("logvar-as-variance", "you used std = sqrt(logvar)",
     lambda mu, logvar: mu + torch.sqrt(logvar) * torch.randn_like(logvar)),
    ("noise-not-randn-like", "eps was drawn with torch.rand_like: uniform on [0, 1), not standard normal",
     lambda mu, logvar: mu + torch.exp(0.5 * logvar) * torch.rand_like(logvar)),
    ("no-noise", "z equals mu: no noise was added", lambda mu, logvar: mu + 0 * logvar),
    ("no-noise", "z = mu + std: the noise eps is missing, so z is not random",
     lambda mu, logvar: mu + torch.exp(0.5 * logvar)),
]


def name_reparameterization(z, mu, logvar, close):
    """(pitfall, description) of the variant that reproduces z to the last bit, drawing eps with seed 0; or None."""
    for pitfall, what, bug in REPARAMETERIZE_BUGS:
        torch.manual_seed(seeds.of(0))
        if close(z, bug(mu, logvar)):
            return pitfall, what
    return None


# The KL's scale per sum-reduced batch (B examples, Z latent dims) -> variants of the reference value.
KL_BUGS = {
    "kl-sign-flipped": lambda kl, B, Z: [-kl, -2 * kl, -kl / B, -kl / (B * Z)],
    "kl-missing-half": lambda kl, B, Z: [2 * kl],
    "mean-reduction": lambda kl, B, Z: [kl / B, kl / (B * Z), kl / Z],
}


def kl_slips(mu, logvar):
    """KLs with one slip, by id: [(what the code did, the value it gives for these inputs)]."""
    def kl(one=1.0, log_var=logvar, mean=mu.pow(2), var=logvar.exp()):
        return -0.5 * (one + log_var - mean - var).sum()
    p_from_q = 0.5 * logvar + (1 + mu.pow(2)) / (2 * logvar.exp()) - 0.5  # KL(N(0, 1) || N(mu, sigma^2))
    return {
        "kl-wrong-term": [("mu enters unsquared", kl(mean=mu)),
                          (f"the 1 is missing (your KL is {mu.numel() / 2:g}, half the number of latent values, "
                           "too large)", kl(one=0.0)),
                          ("sigma^2 was written exp(0.5 * logvar), which is sigma", kl(var=(0.5 * logvar).exp())),
                          ("logvar was read as log sigma, so squared once more", kl(log_var=2 * logvar,
                                                                                     var=(2 * logvar).exp()))],
        "kl-reversed": [("the divergence of N(0, I) from q", p_from_q.sum())],
    }


def elbo_bugs(x, x_hat, mu, logvar, sigma2):
    """Wrong ELBOs by id, each a list of (batch,) values a buggy elbo_estimate may return for these inputs."""
    D, Z, pi = x.shape[1], mu.shape[1], math.pi
    sq = (x - x_hat) ** 2
    rec, const = sq.sum(1), D / 2 * math.log(2 * pi * sigma2)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)

    def gauss(var):  # log N(x; x_hat, var I), summed over the pixels
        return -rec / (2 * var) - D / 2 * math.log(2 * pi * var)

    elbo = gauss(sigma2) - kl
    sd = math.sqrt(sigma2)
    B, bce = x.shape[0], F.binary_cross_entropy(x_hat, x, reduction="none").sum(1)
    return {
        "elbo-missing-constant": [-rec / (2 * sigma2) - kl],
        "elbo-wrong-constant": [-rec / (2 * sigma2) + const - kl, -rec / (2 * sigma2) - const / D - kl,
                                -rec / (2 * sigma2) - const * B / D - kl, -rec / (2 * sigma2) - 2 * const - kl,
                                -rec / (2 * sigma2) - D / 2 * math.log(2 * pi) - D * math.log(sigma2) - kl,
                                -rec / (2 * sigma2) - 784 / 2 * math.log(2 * pi * sigma2) - kl,  # MNIST's D written in
                                -rec / (2 * sigma2) - const * B - kl,  # D taken from x.numel()
                                -rec / (2 * sigma2) - D / 2 * math.log(2 * pi) - kl,  # sigma2 left out of the log
                                -rec / (2 * sigma2) - D / 2 * math.log(sigma2) - kl],  # log_Normal_diag: 2 pi dropped
        "kl-missing-half": [gauss(sigma2) - 2 * kl],
        "bce-instead-of-mse": [-bce - kl],
        "elbo-summed-over-batch": [gauss(sigma2) - kl.sum(), gauss(sigma2).sum() - kl],
        "kl-sign-flipped": [gauss(sigma2) + kl, -rec / (2 * sigma2) + kl],
        "elbo-wrong-variance": [-rec - const - kl, -rec / 2 - const - kl, -rec / sigma2 - const - kl,
                                -rec / (2 * sd) - const - kl, -rec / (2 * sigma2) - D / 2 * math.log(2 * pi * sd) - kl,
                                gauss(sigma2 ** 2) - kl],  # the last: Normal(x_hat, sigma2), variance as the scale
        "elbo-is-loss": [-elbo, rec / (2 * sigma2) + kl, rec + kl, -gauss(sigma2) + kl],
        "mean-reduction": [-sq.mean(1) / (2 * sigma2) - const - kl, -sq.mean() / (2 * sigma2) - const - kl,
                           gauss(sigma2) - kl / Z, gauss(sigma2) / D - kl, (gauss(sigma2) - kl) / D],
    }


def loss_bugs(x_hat, x, mu, logvar):
    """Wrong losses by id, each a list of values a buggy vae_loss may return for these inputs."""
    B = x.shape[0]
    mse, mse_mean = F.mse_loss(x_hat, x, reduction="sum"), F.mse_loss(x_hat, x)
    kl = kl_divergence(mu, logvar)
    return {
        "missing-kl-term": [mse, mse_mean, mse / B],
        "missing-reconstruction-term": [kl, kl / B],
        "kl-sign-flipped": [mse - kl, mse_mean - kl],
        "kl-missing-half": [mse + 2 * kl],
        "mean-reduction": [mse_mean + kl, mse + kl / B, mse + kl / mu.numel(), mse_mean + kl / mu.numel(),
                           mse_mean + kl / B, mse / B + kl, mse + kl / mu.shape[1], mse / x.shape[1] + kl],
        # each divides the terms by different counts
        "bce-instead-of-mse": [F.binary_cross_entropy(x_hat, x, reduction="sum") + kl],
        "kl-missing-exp": [mse - 0.5 * (1 + logvar - mu.pow(2) - logvar).sum()],
        "wrong-reconstruction": [0.5 * mse + kl, (x_hat - x).norm() + kl, 0.5 * mse_mean + kl],
    }
