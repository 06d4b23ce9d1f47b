"""The evidence log p(x) of a model with a 2-D latent code, exactly (on a grid), and its estimates.

The model is the course's: z ~ N(0, I), x | z ~ N(decoder(z), sigma2 I). Everything here is plain
arithmetic on a trained decoder; nothing is trained. Use a float64 decoder: the log-densities are
hundreds of nats, and the differences that matter are a thousandth of one.
"""
import math
from dataclasses import dataclass

import torch
from torch.distributions import MultivariateNormal, Normal

CHUNK = 4096  # codes decoded at once: 4096 x 784 doubles are 26 MB


@torch.no_grad()
def log_likelihood(decoder, x, z, sigma2=0.5):
    """log N(x; decoder(z), sigma2 I) for each code: x (D,), z (n, Z) -> (n,)."""
    D = x.numel()
    sq = torch.cat([((decoder(c) - x) ** 2).sum(dim=1) for c in z.split(CHUNK)])
    return -sq / (2 * sigma2) - D / 2 * math.log(2 * math.pi * sigma2)


def log_prior(z):
    """log N(z; 0, I) for each code: (n, Z) -> (n,)."""
    return Normal(0.0, 1.0).log_prob(z).sum(dim=1)


def log_joint(decoder, x, z, sigma2=0.5):
    """log p(x, z) = log p(x | z) + log p(z) for each code: (n, Z) -> (n,)."""
    return log_likelihood(decoder, x, z, sigma2) + log_prior(z)


@dataclass
class Grid:
    """log p(x, z) at the nodes of a square grid of cells, and what follows from it by summation."""
    axes: tuple        # the node coordinates along z1 and along z2
    z: torch.Tensor    # (n1 * n2, 2) nodes, z1 varying slowest
    log_joint: torch.Tensor
    cell: float        # the area of one cell

    @property
    def log_evidence(self):
        """log p(x) = log of the integral of p(x, z) dz, by the rectangle rule in log space."""
        return (torch.logsumexp(self.log_joint, dim=0) + math.log(self.cell)).item()

    def log_posterior(self):
        """log p(z | x) = log p(x, z) - log p(x) at each node."""
        return self.log_joint - self.log_evidence

    def posterior_moments(self):
        """Mean (2,) and covariance (2, 2) of p(z | x)."""
        w = torch.softmax(self.log_joint, dim=0)
        mean = w @ self.z
        centred = self.z - mean
        return mean, (w.unsqueeze(1) * centred).T @ centred

    def image(self, values):
        """Node values (n1 * n2,) as an (n2, n1) array for imshow, z1 along the horizontal axis."""
        return values.view(len(self.axes[0]), len(self.axes[1])).T.cpu().numpy()


def evaluate_grid(decoder, x, low, high, n, sigma2=0.5):
    """log p(x, z) on n x n nodes spanning the box [low, high] (two (2,) tensors)."""
    dtype = next(decoder.parameters()).dtype
    a, b = (torch.linspace(lo, hi, n, dtype=dtype) for lo, hi in zip(low.tolist(), high.tolist()))
    z = torch.cartesian_prod(a, b)
    cell = ((a[1] - a[0]) * (b[1] - b[0])).item()
    return Grid((a, b), z, log_joint(decoder, x, z, sigma2), cell)


def refine(decoder, x, coarse, n, width=8.0, sigma2=0.5):
    """n x n nodes spanning the mean of the coarse grid's posterior plus or minus `width` of its
    standard deviations on each axis: where nearly all of p(z | x) lies."""
    mean, cov = coarse.posterior_moments()
    half = width * cov.diagonal().sqrt()
    return evaluate_grid(decoder, x, mean - half, mean + half, n, sigma2)


def prior_log_weights(decoder, x, n, generator, sigma2=0.5):
    """log p(x | z_i) for n codes z_i ~ p(z): the naive estimate is the log of their mean exponential."""
    first_weight = next(decoder.parameters())  # (hidden or output size, latent size)
    z = torch.randn(n, first_weight.shape[1], generator=generator, dtype=first_weight.dtype)
    return log_likelihood(decoder, x, z, sigma2)


def log_mean_exp(log_w, dim=-1):
    """log (1/n) sum_i exp(log_w_i), stably."""
    return torch.logsumexp(log_w, dim=dim) - math.log(log_w.shape[dim])


def effective_sample_size(log_w, dim=-1):
    """(sum w)^2 / sum w^2: how many equally weighted samples the weights are worth."""
    return torch.exp(2 * torch.logsumexp(log_w, dim) - torch.logsumexp(2 * log_w, dim))


def gaussian_expectation(f, mu, logvar, n=61, width=6.0):
    """E[f(z)] for z ~ N(mu, diag(exp(logvar))), 2-D, by the rectangle rule on z = mu + sigma * u,
    u on an n x n grid over [-width, width]^2, each node weighted by the normal density of u.

    Not Gauss-Hermite: the decoder's ReLU puts kinks in log p(x | z), and on the course's 2-D model
    Gauss-Hermite rules of 40 to 150 nodes per axis were off by up to 7e-4 nats; this rule is within
    1e-4 nats by n = 61."""
    u = torch.linspace(-width, width, n, dtype=mu.dtype)
    nodes = torch.cartesian_prod(u, u)
    weights = torch.softmax(Normal(0.0, 1.0).log_prob(nodes).sum(dim=1), dim=0)  # normalised on the grid
    return (weights * f(mu + torch.exp(0.5 * logvar) * nodes)).sum().item()


def gaussian_kl_to_prior(mu, logvar):
    """Chapter 04's closed form: KL(N(mu, diag(exp(logvar))) || N(0, I)) for one code."""
    return (-0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum()).item()


def elbo(decoder, x, mu, logvar, sigma2=0.5, n=61):
    """E_q[log p(x | z)] by quadrature around q, minus the closed-form KL(q || p(z)): no use of p(x) or p(z | x)."""
    expected = gaussian_expectation(lambda z: log_likelihood(decoder, x, z, sigma2), mu, logvar, n)
    return expected - gaussian_kl_to_prior(mu, logvar)


def kl_to_posterior(grid, mu, logvar):
    """KL(q || p(z | x)) = integral of q (log q - log p(z | x)) dz on the grid's nodes, q = N(mu, diag(exp(logvar)))."""
    log_q = Normal(mu, torch.exp(0.5 * logvar)).log_prob(grid.z).sum(dim=1)
    q = torch.exp(log_q)
    if abs(q.sum().item() * grid.cell - 1) > 1e-6:
        raise ValueError("q has mass outside the grid: its KL would be truncated")
    return (q * (log_q - grid.log_posterior())).sum().item() * grid.cell


def closest_gaussian(grid, mu, logvar, steps=300, lr=0.05):
    """The diagonal Gaussian with the smallest KL(q || p(z | x)), by Adam from (mu, logvar): inference for one x."""
    mu, logvar = mu.clone().requires_grad_(), logvar.clone().requires_grad_()
    optimizer = torch.optim.Adam([mu, logvar], lr=lr)
    log_posterior = grid.log_posterior()
    for _ in range(steps):
        optimizer.zero_grad()
        log_q = Normal(mu, torch.exp(0.5 * logvar)).log_prob(grid.z).sum(dim=1)
        kl = (torch.exp(log_q) * (log_q - log_posterior)).sum() * grid.cell
        kl.backward()
        optimizer.step()
    return mu.detach(), logvar.detach()


def linear_decoder(D, scale=0.05, seed=0):
    """x_hat = W z + b, 2-D z, W and b of standard deviation `scale`: a decoder whose evidence is known."""
    generator = torch.Generator().manual_seed(seed)
    linear = torch.nn.Linear(2, D).double()
    with torch.no_grad():
        linear.weight.copy_(scale * torch.randn(D, 2, generator=generator, dtype=torch.float64))
        linear.bias.copy_(0.5 + scale * torch.randn(D, generator=generator, dtype=torch.float64))
    return linear


def linear_log_evidence(linear, x, sigma2=0.5):
    """log p(x) for z ~ N(0, I), x | z ~ N(W z + b, sigma2 I): x ~ N(b, W W^T + sigma2 I) exactly."""
    W, b = linear.weight.detach(), linear.bias.detach()
    cov = W @ W.T + sigma2 * torch.eye(len(b), dtype=W.dtype)
    return MultivariateNormal(b, covariance_matrix=cov).log_prob(x).item()
