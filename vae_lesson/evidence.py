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
    sq = torch.cat([((decoder(c) - x) ** 2).sum(dim=1) for c in z.split(CHUNK)])
    return _gaussian_from_squared_error(sq, x.numel(), sigma2)


def log_likelihoods(decoder, xs, z, sigma2=0.5):
    """log N(x; decoder(z), sigma2 I) for many images at the same codes: xs (B, D), z (n, Z) -> (B, n).
    Each code is decoded once for all images, |x - x_hat|^2 expanded as |x|^2 - 2 x.x_hat + |x_hat|^2:
    it loses about 1e-13 of a nat in float64, plenty for finding where a posterior lies."""
    x_hat = torch.cat([decoder(c) for c in z.split(CHUNK)])
    sq = (xs ** 2).sum(dim=1, keepdim=True) - 2 * xs @ x_hat.T + (x_hat ** 2).sum(dim=1)
    return _gaussian_from_squared_error(sq, xs.shape[1], sigma2)


def _gaussian_from_squared_error(sq, D, sigma2):
    """log N(x; x_hat, sigma2 I) from the summed squared error |x - x_hat|^2 over D pixels."""
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


def nodes(low, high, n, dtype):
    """The axes, the n * n nodes (z1 varying slowest) and the cell area of a grid over the box [low, high]."""
    a, b = (torch.linspace(lo, hi, n, dtype=dtype) for lo, hi in zip(low.tolist(), high.tolist()))
    return (a, b), torch.cartesian_prod(a, b), ((a[1] - a[0]) * (b[1] - b[0])).item()


def evaluate_grid(decoder, x, low, high, n, sigma2=0.5):
    """log p(x, z) on n x n nodes spanning the box [low, high] (two (2,) tensors)."""
    axes, z, cell = nodes(low, high, n, next(decoder.parameters()).dtype)
    return Grid(axes, z, log_joint(decoder, x, z, sigma2), cell)


def evaluate_grids(decoder, xs, low, high, n, sigma2=0.5):
    """evaluate_grid for each image of xs (B, D), on the same nodes: a list of B grids."""
    axes, z, cell = nodes(low, high, n, next(decoder.parameters()).dtype)
    log_joints = log_likelihoods(decoder, xs, z, sigma2) + log_prior(z)
    return [Grid(axes, z, row, cell) for row in log_joints]


def refine(decoder, x, coarse, n, width=8.0, sigma2=0.5, q=None):
    """n x n nodes spanning the mean of the coarse grid's posterior plus or minus `width` of its
    standard deviations on each axis: where nearly all of p(z | x) lies. Given q = (mu, logvar),
    the box also spans mu plus or minus `width` of q's standard deviations, so that q fits in it too."""
    mean, cov = coarse.posterior_moments()
    low, high = mean - width * cov.diagonal().sqrt(), mean + width * cov.diagonal().sqrt()
    if q is not None:
        mu, sigma = q[0], torch.exp(0.5 * q[1])
        low, high = torch.minimum(low, mu - width * sigma), torch.maximum(high, mu + width * sigma)
    return evaluate_grid(decoder, x, low, high, n, sigma2)


def prior_log_weights(decoder, x, n, generator, sigma2=0.5):
    """log p(x | z_i) for n codes z_i ~ p(z): the naive estimate is the log of their mean exponential."""
    first_weight = next(decoder.parameters())  # (hidden or output size, latent size)
    z = torch.randn(n, first_weight.shape[1], generator=generator, dtype=first_weight.dtype)
    return log_likelihood(decoder, x, z, sigma2)


def q_log_weights(decoder, x, mu, logvar, n, generator, sigma2=0.5):
    """log p(x, z_i) - log q(z_i) for n codes z_i ~ q = N(mu, diag(exp(logvar))): importance sampling
    with q as the proposal; the log of their mean exponential estimates log p(x)."""
    z = mu + torch.exp(0.5 * logvar) * torch.randn(n, len(mu), generator=generator, dtype=mu.dtype)
    return log_joint(decoder, x, z, sigma2) - gaussian_log_density(z, mu, logvar)


def prior_ess_limit(grid):
    """The limit of N / ESS for N draws from the prior as N grows: 1 + chi^2 = integral of p(z | x)^2 / p(z) dz."""
    return math.exp(torch.logsumexp(2 * grid.log_posterior() - log_prior(grid.z), dim=0).item()) * grid.cell


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


def gaussian_log_density(z, mu, logvar):
    """log N(z; mu, diag(exp(logvar))) for nodes z (..., n, 2), one mu and logvar (..., 2) per set of nodes."""
    mu, logvar = mu.unsqueeze(-2), logvar.unsqueeze(-2)
    return (-0.5 * ((z - mu) ** 2 * torch.exp(-logvar) + logvar + math.log(2 * math.pi))).sum(dim=-1)


def closest_gaussians(grids, mu, logvar, steps=300, lr=0.05):
    """For each grid (one image each, all with as many nodes), the diagonal Gaussian with the smallest
    KL(q || p(z | x)), by Adam from mu, logvar (len(grids), 2): inference for each x separately.
    Adam moves each number by its own gradient alone, so minimising the sum of the KLs gives every
    image the same steps as minimising its KL by itself."""
    z = torch.stack([grid.z for grid in grids])
    log_posterior = torch.stack([grid.log_posterior() for grid in grids])
    cell = torch.tensor([grid.cell for grid in grids], dtype=z.dtype)
    mu, logvar = mu.clone().requires_grad_(), logvar.clone().requires_grad_()
    optimizer = torch.optim.Adam([mu, logvar], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        log_q = gaussian_log_density(z, mu, logvar)
        kl = ((torch.exp(log_q) * (log_q - log_posterior)).sum(dim=1) * cell).sum()
        kl.backward()
        optimizer.step()
    return mu.detach(), logvar.detach()


def closest_gaussian(grid, mu, logvar, steps=300, lr=0.05):
    """The diagonal Gaussian with the smallest KL(q || p(z | x)), by Adam from (mu, logvar): inference for one x."""
    best_mu, best_logvar = closest_gaussians([grid], mu[None], logvar[None], steps, lr)
    return best_mu[0], best_logvar[0]


def inference_gaps(decoder, xs, mu, logvar, n=61, steps=300):
    """For each image of xs (B, D) and the encoder's q = N(mu, diag(exp(logvar))) (B, 2): log p(x),
    KL(encoder's q || posterior) and KL(best diagonal Gaussian || posterior), on a grid of n x n
    nodes around both the posterior and q, found from a coarse 41 x 41 grid over [-6, 6]^2: (B, 3)."""
    box = torch.full((2,), 6.0, dtype=xs.dtype)
    coarse = evaluate_grids(decoder, xs, -box, box, 41)
    grids = [refine(decoder, x, c, n, q=(m, lv)) for x, c, m, lv in zip(xs, coarse, mu, logvar)]
    best_mu, best_logvar = closest_gaussians(grids, mu, logvar, steps)
    return torch.tensor([(grid.log_evidence, kl_to_posterior(grid, m, lv), kl_to_posterior(grid, bm, blv))
                         for grid, m, lv, bm, blv in zip(grids, mu, logvar, best_mu, best_logvar)])


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
