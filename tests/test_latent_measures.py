"""The measures behind chapters 08-10's numbers, against cases whose answers are known in closed form:
vae_lesson.latent (codes against the prior, -ELBO), vae_lesson.binarized (binarization, L_k over k) and
vae_lesson.latent_stats (per-unit rate, the aggregate posterior, the rate's two parts, the linear probe)."""
import math

import pytest
import torch
from torch.distributions import Chi2, MultivariateNormal, Normal

from solutions import VAE
from solutions.beyond import iwae_estimate
from vae_lesson import binarized, latent, latent_stats


def _generator(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("mass", [0.5, 0.95, 0.99])
def test_the_prior_disc_holds_its_mass(mass):
    radius = latent.prior_radius(mass)
    assert Chi2(2.0).cdf(torch.tensor(radius**2)).item() == pytest.approx(mass, abs=1e-6)
    codes = torch.randn(200_000, 2, generator=_generator(0))
    assert latent.share_inside(codes, mass) == pytest.approx(mass, abs=0.005)


def test_equal_mass_codes_cut_the_prior_into_slices_of_equal_mass():
    z = latent.equal_mass_codes(20).double()
    assert torch.allclose(Normal(0.0, 1.0).cdf(z), (torch.arange(20, dtype=torch.float64) + 0.5) / 20, atol=1e-6)
    assert torch.allclose(z, -z.flip(0), atol=1e-6)  # symmetric about 0


def test_negative_elbo_is_the_squared_error_plus_kl_plus_the_gaussian_constant():
    torch.manual_seed(0)
    model, x = VAE(784, 16, 3).eval(), torch.rand(5, 784)
    got = latent.negative_elbo(model, x, seed=3)
    torch.manual_seed(3)
    x_hat, mu, logvar = model(x)
    q, p = Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)
    kl = torch.distributions.kl_divergence(q, p).sum(1)
    log_likelihood = Normal(x_hat, math.sqrt(0.5)).log_prob(x).sum(1)  # sigma^2 = 1/2
    assert torch.allclose(got, kl - log_likelihood, rtol=1e-5)


def test_nearest_label_and_distance_find_the_closest():
    codes, labels = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 5.0]]), torch.tensor([7, 1, 4])
    z = torch.tensor([[2.9, 0.2], [0.1, 4.0], [-1.0, -1.0]])
    assert latent.nearest_label(z, codes, labels).tolist() == [1, 4, 7]
    images = torch.zeros(2, 1, 2, 2)
    images[1] += 1.0
    assert latent.nearest_distance(images[1:], images).tolist() == [0.0]
    assert latent.nearest_distance(images[1:] + 0.5, images[:1]).tolist() == [pytest.approx(4 * 1.5**2)]


def test_mean_and_se():
    mean, se = latent.mean_and_se(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert mean == 2.5 and se == pytest.approx(math.sqrt(5 / 3) / 2)


def test_a_fixed_binarization_is_reproducible_and_keeps_the_grey_level_on_average():
    grey = torch.full((400, 1, 28, 28), 0.3)
    grey[:, :, :14] = 0.9
    first, again, other = binarized.binarize(grey, 1), binarized.binarize(grey, 1), binarized.binarize(grey, 2)
    assert set(first.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert first[:, :, :14].mean().item() == pytest.approx(0.9, abs=0.005)
    assert first[:, :, 14:].mean().item() == pytest.approx(0.3, abs=0.005)


def test_dynamic_binarization_draws_anew_at_each_visit():
    images = binarized.DynamicallyBinarized(torch.full((50, 784), 0.5))
    torch.manual_seed(0)
    first, second = images[torch.arange(50)], images[torch.arange(50)]
    assert len(images) == 50 and set(first.unique().tolist()) == {0.0, 1.0}
    assert (first != second).float().mean().item() == pytest.approx(0.5, abs=0.02)  # independent draws
    torch.manual_seed(0)
    assert torch.equal(images[torch.arange(50)], first)  # the global generator, which training seeds


def test_decoder_logits_are_the_decoders_output_before_its_sigmoid():
    torch.manual_seed(0)
    decoder, z = VAE(784, 16, 3).decoder, torch.randn(4, 3)
    assert torch.allclose(torch.sigmoid(binarized.decoder_logits(decoder, z)), decoder(z), atol=1e-7)


def test_bounds_over_k_average_the_groups_of_one_pool():
    log_w = torch.randn(12, 5, generator=_generator(0), dtype=torch.float64)
    bounds = binarized.bounds_over_k(log_w, [1, 3, 12], iwae_estimate)
    assert torch.allclose(bounds[1], log_w.mean(0))  # L_1 is the ELBO estimate: the mean log-weight
    assert torch.allclose(bounds[12], torch.logsumexp(log_w, 0) - math.log(12))
    groups = torch.stack([torch.logsumexp(log_w[i:i + 3], 0) - math.log(3) for i in range(0, 12, 3)])
    assert torch.allclose(bounds[3], groups.mean(0))


def _codes(n=3000, Z=3, seed=0):
    g = _generator(seed)
    mu = torch.randn(n, Z, generator=g, dtype=torch.float64) * torch.tensor([1.5, 0.3, 0.0], dtype=torch.float64)
    logvar = torch.full((n, Z), -1.0, dtype=torch.float64)
    logvar[:, 2] = 0.0  # a collapsed unit: q(z_3|x) = N(0, 1) = the prior, whatever x
    return mu, logvar


def test_log_normal_is_the_diagonal_gaussian_log_density_of_every_code_under_every_component():
    mu, logvar = _codes(n=7)
    z = torch.randn(5, 3, generator=_generator(1), dtype=torch.float64)
    want = torch.stack([MultivariateNormal(m, torch.diag(lv.exp())).log_prob(z) for m, lv in zip(mu, logvar)], 1)
    assert torch.allclose(latent_stats.log_normal(z, mu, logvar), want, atol=1e-9)
    assert torch.allclose(latent_stats.log_aggregate(z, mu[:1], logvar[:1]), want[:, 0], atol=1e-9)
    assert torch.allclose(latent_stats.log_prior(z), Normal(0.0, 1.0).log_prob(z).sum(1), atol=1e-12)


def test_unit_rate_and_activity_single_out_the_collapsed_unit():
    mu, logvar = _codes()
    rate = latent_stats.unit_rate(mu, logvar)
    kl = torch.distributions.kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).mean(0)
    assert torch.allclose(rate, kl) and rate[2].item() == 0.0
    activity = latent_stats.unit_activity(mu)
    assert activity[0] > 2.0 and activity[2].item() == 0.0


def test_the_rate_splits_into_information_and_the_aggregate_posteriors_kl_to_the_prior():
    mu, logvar = _codes()
    information, marginal_kl = latent_stats.rate_split(mu, logvar, samples=2000, seed=0)
    rate = latent_stats.unit_rate(mu, logvar).sum().item()
    assert information > 0 and marginal_kl > 0
    assert information + marginal_kl == pytest.approx(rate, rel=0.05)  # E KL(q(z|x)||p) = I(x; z) + KL(q(z)||p)
    # a Gaussian q(z) = N(0, mu's variance + the codes' variance) per unit, to which the mixture is close here
    var = mu.var(0) + logvar.exp().mean(0)
    gaussian_kl = 0.5 * (var - 1 - var.log()).sum().item()
    assert marginal_kl == pytest.approx(gaussian_kl, abs=0.05)


def test_prior_holes_are_large_only_when_prior_draws_land_away_from_the_codes():
    mu, logvar = _codes()
    covered = latent_stats.prior_holes(mu, logvar)
    squeezed = latent_stats.prior_holes(0.1 * mu, logvar - 3.0)  # every code in a small ball: holes around it
    assert 0 <= covered < 0.5 and squeezed > 5 * max(covered, 0.1)


def test_a_linear_probe_reads_a_label_written_linearly_in_the_code():
    labels = torch.arange(6000) % 10
    mu = torch.nn.functional.one_hot(labels, 10).double() @ torch.randn(10, 10, generator=_generator(0),
                                                                          dtype=torch.float64)
    mu = torch.cat([mu, torch.randn(6000, 6, generator=_generator(1), dtype=torch.float64)], 1)
    noise = torch.randn(6000, 10, generator=_generator(2), dtype=torch.float64)
    assert latent_stats.linear_probe(mu, labels) > 0.99
    assert latent_stats.linear_probe(noise, labels) < 0.2  # chance is 0.1
