"""Slips that used to get a generic verdict, written as learners and tutorials write them, each now named; and
right code in an unusual style that must keep passing."""
import torch
import torch.nn.functional as F
from torch.distributions import Normal

from tests.submissions_modules import EncoderFc21


# ------------------------------------------------------------------ kl_divergence
def kl_mu_unsquared(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu - logvar.exp())


def kl_without_one(mu, logvar):
    return 0.5 * torch.sum(mu.pow(2) + logvar.exp() - logvar)


def kl_variance_as_exp_half(mu, logvar):
    var = torch.exp(0.5 * logvar)  # "sigma squared"
    return -0.5 * torch.sum(1 + logvar - mu ** 2 - var)


def kl_logvar_as_log_std(mu, logvar):
    log_sigma = logvar  # read as log sigma
    return -0.5 * torch.sum(1 + 2 * log_sigma - mu ** 2 - torch.exp(2 * log_sigma))


def kl_prior_from_posterior(mu, logvar):
    q, p = Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.distributions.kl_divergence(p, q).sum()  # the arguments swapped


def kl_one_sample(mu, logvar):
    q, p = Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu))
    z = q.rsample()
    return (q.log_prob(z) - p.log_prob(z)).sum()


# ------------------------------------------------------------------ vae_loss
def loss_half_squared_error(x_hat, x, mu, logvar):
    recon = 0.5 * torch.sum((x_hat - x) ** 2)  # the Gaussian with variance 1
    return recon - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def loss_norm(x_hat, x, mu, logvar):
    return torch.norm(x_hat - x) - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def loss_inline_kl_without_exp(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar)


def loss_kl_subtracted(x_hat, x, mu, logvar):
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return F.mse_loss(x_hat, x, reduction="sum") - kl  # "the ELBO subtracts the KL"


# ------------------------------------------------------------------ modules and sample
class EncoderReluOnMu(EncoderFc21):
    def forward(self, x):
        h1 = F.relu(self.fc1(x))
        return F.relu(self.fc21(h1)), self.fc22(h1)


def samp_zeros(decoder, n):
    weight = next(decoder.parameters())
    with torch.no_grad():
        return decoder(torch.zeros(n, weight.shape[1], dtype=weight.dtype))


def samp_one_at_a_time(decoder, n):
    """Right: one code per decoder call, stacked."""
    weight = next(decoder.parameters())
    with torch.no_grad():
        return torch.stack([decoder(torch.randn(weight.shape[1], dtype=weight.dtype, device=weight.device))
                            for _ in range(n)])


# ------------------------------------------------------------------ the ELBO's constant
def _kl_per_example(mu, logvar):
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)


def elbo_mnist_constant(x, x_hat, mu, logvar, sigma2=0.5):
    log_px_z = -((x - x_hat) ** 2).sum(dim=1) / (2 * sigma2) - 784 / 2 * torch.log(torch.tensor(2 * torch.pi * sigma2))
    return log_px_z - _kl_per_example(mu, logvar)


def elbo_d_from_numel(x, x_hat, mu, logvar, sigma2=0.5):
    D = x.numel()  # every pixel of the batch, not of one image
    log_px_z = -((x - x_hat) ** 2).sum(dim=1) / (2 * sigma2) - D / 2 * torch.log(torch.tensor(2 * torch.pi * sigma2))
    return log_px_z - _kl_per_example(mu, logvar)


def elbo_log_two_pi_only(x, x_hat, mu, logvar, sigma2=0.5):
    D = x.shape[1]
    log_px_z = -((x - x_hat) ** 2).sum(dim=1) / (2 * sigma2) - D / 2 * torch.log(torch.tensor(2 * torch.pi))
    return log_px_z - _kl_per_example(mu, logvar)


def elbo_log_normal_diag(x, x_hat, mu, logvar, sigma2=0.5):
    """The widely copied helper: log N without its log(2 pi) part."""
    def log_normal_diag(x, mean, log_var):
        return -0.5 * (log_var + (x - mean) ** 2 / torch.exp(log_var))
    log_var = torch.full_like(x, torch.log(torch.tensor(sigma2)).item())
    return log_normal_diag(x, x_hat, log_var).sum(dim=1) - _kl_per_example(mu, logvar)


# ------------------------------------------------------------------ a decoder without an output bias
class DecoderNoOutputBias(torch.nn.Module):
    def __init__(self, latent_dim=20, hidden_dim=400, output_dim=784):
        super().__init__()
        self.fc3 = torch.nn.Linear(latent_dim, hidden_dim)
        self.fc4 = torch.nn.Linear(hidden_dim, output_dim, bias=False)

    def forward(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))


# ------------------------------------------------------------------ train_step with clipping
def _step(model, optimizer, x, clip):
    optimizer.zero_grad()
    x_hat, mu, logvar = model(x)
    loss = F.mse_loss(x_hat, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    loss.backward()
    clip(model.parameters())
    optimizer.step()
    return loss.item()


def ts_clip_norm(model, optimizer, x):
    return _step(model, optimizer, x, lambda p: torch.nn.utils.clip_grad_norm_(p, max_norm=1.0))


def ts_clip_value(model, optimizer, x):
    return _step(model, optimizer, x, lambda p: torch.nn.utils.clip_grad_value_(p, clip_value=0.5))


# ------------------------------------------------------------------ iwae_estimate
def iwae_shift_not_restored(log_weights):
    top = log_weights.max(dim=0, keepdim=True).values
    return torch.log(torch.exp(log_weights - top).mean(dim=0))  # the shift never added back


def iwae_max_alone(log_weights):
    return log_weights.max(dim=0).values  # "the largest weight dominates anyway"


def iwae_k_minus_one(log_weights):
    return torch.logsumexp(log_weights, dim=0) - torch.log(torch.tensor(log_weights.shape[0] - 1.0))


# ------------------------------------------------------------------ a VAE returning cut latents, and a closure
class VAELatentsDetached(torch.nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.fc1 = torch.nn.Linear(input_dim, hidden_dim)
        self.fc21, self.fc22 = torch.nn.Linear(hidden_dim, latent_dim), torch.nn.Linear(hidden_dim, latent_dim)
        self.fc3, self.fc4 = torch.nn.Linear(latent_dim, hidden_dim), torch.nn.Linear(hidden_dim, input_dim)

    def forward(self, x):
        h = F.relu(self.fc1(x.flatten(1)))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu.detach(), logvar.detach()  # "only for the KL"


def _make_kl():
    half = 0.5

    def kl(mu, logvar):
        return -half * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return kl


kl_closure = _make_kl()  # right: a closure


def loss_per_example_recon_plus_kl(x_hat, x, mu, logvar):
    recon = F.mse_loss(x_hat, x, reduction="none").sum(dim=1)  # one per example
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())  # one for the batch
    return recon + kl
