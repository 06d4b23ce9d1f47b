"""The grid integrator of vae_lesson.evidence against a model whose evidence is exact: a linear decoder.

With z ~ N(0, I) and x | z ~ N(W z + b, sigma2 I), x ~ N(b, W W^T + sigma2 I) and the posterior is the
Gaussian N(S W^T (x - b) / sigma2, S), S = (I + W^T W / sigma2)^-1: every number the chapter computes
on a grid or by quadrature has a closed form here.
"""
import math

import pytest
import torch
from torch.distributions import MultivariateNormal, kl_divergence

from vae_lesson import evidence

D, SIGMA2 = 30, 0.5


@pytest.fixture(scope="module")
def model():
    linear = evidence.linear_decoder(D, scale=0.4, seed=1)
    x = linear(torch.tensor([1.0, -0.5], dtype=torch.float64)).detach() + 0.3 * torch.randn(
        D, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    box = torch.full((2,), 6.0, dtype=torch.float64)
    coarse = evidence.evaluate_grid(linear, x, -box, box, 41)
    return linear, x, coarse, evidence.refine(linear, x, coarse, 121)


def exact_posterior(linear, x):
    W, b = linear.weight.detach(), linear.bias.detach()
    S = torch.linalg.inv(torch.eye(2, dtype=W.dtype) + W.T @ W / SIGMA2)
    return MultivariateNormal(S @ W.T @ (x - b) / SIGMA2, covariance_matrix=S)


def test_the_fixture_posterior_is_narrow_and_away_from_the_origin(model):
    linear, x, _, _ = model
    posterior = exact_posterior(linear, x)
    assert posterior.stddev.max() < 0.4 and posterior.mean.norm() > 0.5


def test_log_likelihood_is_the_gaussian_log_density(model):
    linear, x, _, _ = model
    z = torch.randn(5, 2, dtype=torch.float64)
    expected = torch.distributions.Normal(linear(z), math.sqrt(SIGMA2)).log_prob(x).sum(dim=1)
    assert torch.allclose(evidence.log_likelihood(linear, x, z, SIGMA2), expected)


def test_the_refined_grid_gives_the_exact_evidence(model):
    linear, x, coarse, fine = model
    exact = evidence.linear_log_evidence(linear, x, SIGMA2)
    assert abs(fine.log_evidence - exact) < 1e-6


def test_the_grid_posterior_has_the_exact_moments(model):
    linear, x, _, fine = model
    posterior = exact_posterior(linear, x)
    mean, cov = fine.posterior_moments()
    assert torch.allclose(mean, posterior.mean, atol=1e-6)
    assert torch.allclose(cov, posterior.covariance_matrix, atol=1e-6)


def test_the_prior_estimator_is_consistent(model):
    linear, x, _, _ = model
    log_w = evidence.prior_log_weights(linear, x, 200_000, torch.Generator().manual_seed(0))
    assert abs(evidence.log_mean_exp(log_w).item() - evidence.linear_log_evidence(linear, x, SIGMA2)) < 0.05
    assert 1 <= evidence.effective_sample_size(log_w).item() <= len(log_w)


def test_effective_sample_size_of_equal_and_of_one_dominant_weight():
    assert evidence.effective_sample_size(torch.zeros(7)).item() == pytest.approx(7)
    assert evidence.effective_sample_size(torch.tensor([0.0, -50.0, -60.0])).item() == pytest.approx(1)


@pytest.mark.parametrize("q_mu, q_logvar", [((0.8, -0.5), (-2.0, -2.5)), ((1.0, -0.7), (-3.0, -2.0))])
def test_the_gap_is_the_kl_to_the_posterior(model, q_mu, q_logvar):
    """log p(x) - ELBO = KL(q || p(z|x)), each side computed its own way and against the closed forms."""
    linear, x, _, fine = model
    q_mu, q_logvar = torch.tensor(q_mu, dtype=torch.float64), torch.tensor(q_logvar, dtype=torch.float64)
    q = MultivariateNormal(q_mu, covariance_matrix=torch.diag(q_logvar.exp()))
    exact_kl = kl_divergence(q, exact_posterior(linear, x)).item()
    gap = evidence.linear_log_evidence(linear, x, SIGMA2) - evidence.elbo(linear, x, q_mu, q_logvar, SIGMA2)
    assert gap == pytest.approx(exact_kl, abs=1e-6)
    assert evidence.kl_to_posterior(fine, q_mu, q_logvar) == pytest.approx(exact_kl, abs=1e-6)


def test_the_closest_gaussian_matches_the_posterior_where_it_is_one(model):
    """The exact posterior is Gaussian; the best diagonal q has its mean and the precision's diagonal."""
    linear, x, _, fine = model
    posterior = exact_posterior(linear, x)
    start = torch.zeros(2, dtype=torch.float64) + posterior.mean + 0.2
    mu, logvar = evidence.closest_gaussian(fine, start, torch.full((2,), -2.0, dtype=torch.float64), steps=500)
    assert torch.allclose(mu, posterior.mean, atol=1e-3)
    assert torch.allclose(logvar, -torch.log(posterior.precision_matrix.diagonal()), atol=1e-2)


def test_gaussian_expectation_of_a_quadratic():
    mu, logvar = torch.tensor([0.3, -1.0], dtype=torch.float64), torch.tensor([0.5, -1.0], dtype=torch.float64)
    expected = (mu ** 2 + logvar.exp()).sum().item()  # E[z1^2 + z2^2]
    assert evidence.gaussian_expectation(lambda z: (z ** 2).sum(dim=1), mu, logvar) == pytest.approx(expected, abs=1e-6)


def test_a_q_reaching_beyond_the_grid_is_refused(model):
    _, _, _, fine = model
    with pytest.raises(ValueError, match="outside the grid"):
        evidence.kl_to_posterior(fine,
                                 torch.tensor([3.0, 0.0], dtype=torch.float64), torch.zeros(2, dtype=torch.float64))


def test_many_images_at_once_match_one_at_a_time(model):
    linear, x, coarse, _ = model
    xs = torch.stack([x, x.flip(0)])
    box = torch.full((2,), 6.0, dtype=torch.float64)
    for one, grid in zip(xs, evidence.evaluate_grids(linear, xs, -box, box, 41)):
        assert torch.allclose(grid.log_joint, evidence.evaluate_grid(linear, one, -box, box, 41).log_joint, atol=1e-9)
    assert torch.allclose(evidence.evaluate_grids(linear, xs, -box, box, 41)[0].log_joint, coarse.log_joint, atol=1e-9)


def test_fitting_several_grids_at_once_is_fitting_each_alone(model):
    """Adam is elementwise: the batched fit takes each image through the same steps as a fit of its own."""
    linear, x, _, fine = model
    box = torch.full((2,), 6.0, dtype=torch.float64)
    other = evidence.refine(linear, x.flip(0), evidence.evaluate_grid(linear, x.flip(0), -box, box, 41), 121)
    start_mu = torch.tensor([[0.5, 0.0], [0.0, 0.5]], dtype=torch.float64)
    start_logvar = torch.full((2, 2), -2.0, dtype=torch.float64)
    mu, logvar = evidence.closest_gaussians([fine, other], start_mu, start_logvar, steps=50)
    for i, grid in enumerate((fine, other)):
        alone = evidence.closest_gaussian(grid, start_mu[i], start_logvar[i], steps=50)
        assert torch.allclose(mu[i], alone[0], atol=1e-12) and torch.allclose(logvar[i], alone[1], atol=1e-12)


def test_importance_sampling_from_q_recovers_the_evidence(model):
    linear, x, _, _ = model
    posterior = exact_posterior(linear, x)
    mu, logvar = posterior.mean + 0.05, torch.log(posterior.variance) + 0.3  # a q near the posterior, a little wide
    log_w = evidence.q_log_weights(linear, x, mu, logvar, 20_000, torch.Generator().manual_seed(0))
    assert abs(evidence.log_mean_exp(log_w).item() - evidence.linear_log_evidence(linear, x, SIGMA2)) < 0.01


def test_the_ess_limit_is_one_when_the_code_explains_nothing(model):
    _, x, _, _ = model
    flat = evidence.linear_decoder(D, scale=0.4, seed=1)
    with torch.no_grad():
        flat.weight.zero_()  # x_hat = b for every z: the posterior is the prior
    box = torch.full((2,), 6.0, dtype=torch.float64)
    assert evidence.prior_ess_limit(evidence.evaluate_grid(flat, x, -box, box, 121)) == pytest.approx(1, abs=1e-6)


def test_inference_gaps_against_the_closed_forms(model):
    """The best diagonal q of a Gaussian posterior has its mean and the inverse of the precision's diagonal."""
    linear, x, _, _ = model
    posterior = exact_posterior(linear, x)
    mu, logvar = (posterior.mean + 0.3)[None], torch.full((1, 2), -2.0, dtype=torch.float64)
    log_px, kl_q, kl_best = evidence.inference_gaps(linear, x[None], mu, logvar, n=81, steps=500)[0].tolist()
    diagonal = lambda m, v: MultivariateNormal(m, covariance_matrix=torch.diag(v))
    best = diagonal(posterior.mean, 1 / posterior.precision_matrix.diagonal())
    assert log_px == pytest.approx(evidence.linear_log_evidence(linear, x, SIGMA2), abs=1e-6)
    assert kl_q == pytest.approx(kl_divergence(diagonal(mu[0], logvar[0].exp()), posterior).item(), abs=1e-5)
    assert kl_best == pytest.approx(kl_divergence(best, posterior).item(), abs=1e-4)
