"""The reference VAE in solutions/, proved against independent computations."""
import torch
from torch.distributions import Normal, kl_divergence as torch_kl

from solutions import VAE, Decoder, Encoder, kl_divergence, reparameterize, vae_loss


def test_encoder_returns_mu_and_logvar_of_latent_size():
    mu, logvar = Encoder(784, 400, 20)(torch.rand(5, 784))
    assert mu.shape == logvar.shape == (5, 20)
    assert (logvar < 0).any()  # a raw log-variance head, free to be negative


def test_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(16, 20), torch.randn(16, 20)
    expected = torch_kl(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum()
    assert torch.allclose(kl_divergence(mu, logvar), expected, rtol=1e-5)


def test_kl_matches_a_monte_carlo_estimate():
    torch.manual_seed(1)
    mu, logvar = torch.randn(1, 8) * 0.5, torch.randn(1, 8) * 0.3
    q, p = Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)
    z = q.sample((200_000,))
    estimate = (q.log_prob(z) - p.log_prob(z)).sum(dim=-1).mean()
    assert abs(estimate - kl_divergence(mu, logvar)) < 0.02


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    assert kl_divergence(torch.zeros(3, 4), torch.zeros(3, 4)).abs() < 1e-7
    assert kl_divergence(torch.randn(3, 4), torch.randn(3, 4)) > 0


def test_gradients_flow_to_mu_and_logvar_through_reparameterize():
    mu, logvar = torch.zeros(4, 3, requires_grad=True), torch.zeros(4, 3, requires_grad=True)
    torch.manual_seed(2)
    reparameterize(mu, logvar).sum().backward()
    torch.manual_seed(2)
    eps = torch.randn(4, 3)
    assert torch.equal(mu.grad, torch.ones(4, 3))
    assert torch.allclose(logvar.grad, 0.5 * eps)  # dz/dlogvar = 0.5 * std * eps, std = 1


def test_reparameterize_follows_dtype_and_has_the_right_moments():
    z = reparameterize(torch.full((200_000,), 2.0, dtype=torch.float64), torch.full((200_000,), -2.0, dtype=torch.float64))
    assert z.dtype == torch.float64
    assert abs(z.mean() - 2.0) < 0.01 and abs(z.std() - torch.exp(torch.tensor(-1.0))) < 0.01


def test_decoder_output_stays_in_unit_interval():
    x_hat = Decoder(20, 400, 784)(torch.randn(64, 20) * 50)
    assert x_hat.shape == (64, 784) and x_hat.min() >= 0 and x_hat.max() <= 1


def test_parameter_counts_match_the_formulas():
    for D, H, Z in [(784, 400, 20), (10, 7, 3), (1, 1, 1)]:
        assert sum(p.numel() for p in Encoder(D, H, Z).parameters()) == D * H + H + 2 * (H * Z + Z)
        assert sum(p.numel() for p in Decoder(Z, H, D).parameters()) == Z * H + H + H * D + D


def test_vae_flattens_and_samples_in_eval_mode_too():
    model = VAE().eval()
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        first, mu, logvar = model(x)
        second, _, _ = model(x)
    assert first.shape == (3, 784) and mu.shape == logvar.shape == (3, 20)
    assert not torch.equal(first, second)  # z is drawn afresh: the test loss is a true ELBO estimate


def test_vae_loss_is_summed_mse_plus_kl():
    x_hat, x = torch.rand(4, 6), torch.rand(4, 6)
    mu, logvar = torch.randn(4, 2), torch.randn(4, 2)
    expected = ((x_hat - x) ** 2).sum() + 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum()
    assert torch.allclose(vae_loss(x_hat, x, mu, logvar), expected)
