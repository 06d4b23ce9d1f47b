"""Learner submissions for kl_divergence and vae_loss, right and wrong."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal, kl_divergence as dist_kl


# ------------------------------------------------------------------ kl_divergence
def kl_expanded(mu, logvar):
    return 0.5 * torch.sum(mu ** 2 + logvar.exp() - 1 - logvar)


def kl_distributions(mu, logvar):
    q = Normal(mu, torch.exp(0.5 * logvar))
    return dist_kl(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum()


def kl_per_example_then_sum(mu, logvar):
    per_example = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
    return per_example.sum()


def kl_with_std(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return torch.sum(-torch.log(std) + (std ** 2 + mu ** 2) / 2 - 0.5)


def kl_sign(mu, logvar):
    return 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def kl_sign_2(mu, logvar):
    return torch.sum(1 + logvar - mu ** 2 - torch.exp(logvar)) / 2


def kl_no_half(mu, logvar):
    return -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def kl_no_half_2(mu, logvar):
    return torch.sum(mu ** 2 + logvar.exp() - 1 - logvar)


def kl_mean(mu, logvar):
    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())


def kl_batch_mean(mu, logvar):
    return (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)).mean()


def kl_logvar_as_var(mu, logvar):
    return -0.5 * torch.sum(1 + torch.log(logvar) - mu.pow(2) - logvar)


def kl_per_example(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)


def kl_matmul(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu @ mu.T - logvar.exp())


def kl_tuple(mu, logvar):
    per_example = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    return per_example.sum(), per_example


def kl_item(mu, logvar):
    return torch.tensor(-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()).item())


# ------------------------------------------------------------------ vae_loss
def _kl(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def loss_functional(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum") + _kl(mu, logvar)


def loss_manual(x_hat, x, mu, logvar):
    return ((x_hat - x) ** 2).sum() + 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()


def loss_module(x_hat, x, mu, logvar):
    return nn.MSELoss(reduction="sum")(x_hat, x.view(x.size(0), -1)) + kl_distributions(mu, logvar)


def loss_per_example(x_hat, x, mu, logvar):
    recon = (x_hat - x).pow(2).sum(dim=1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
    return (recon + kl).sum()


def loss_mse_default(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x) + _kl(mu, logvar)


def loss_kl_mean(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum") + kl_mean(mu, logvar)


def loss_both_mean(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x) + kl_mean(mu, logvar)


def loss_none_reduction(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="none").sum() + _kl(mu, logvar)


def loss_batch_averaged(x_hat, x, mu, logvar):
    return (F.mse_loss(x_hat, x, reduction="sum") + _kl(mu, logvar)) / x.size(0)


def loss_per_example_mean(x_hat, x, mu, logvar):
    recon = (x_hat - x).pow(2).sum(dim=1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
    return (recon + kl).mean()


def loss_pixel_averaged(x_hat, x, mu, logvar):
    return (F.mse_loss(x_hat, x, reduction="sum") + _kl(mu, logvar)) / x.numel()


def loss_tuple(x_hat, x, mu, logvar):
    recon, kl = F.mse_loss(x_hat, x, reduction="sum"), _kl(mu, logvar)
    return recon + kl, recon, kl


def loss_none(x_hat, x, mu, logvar):
    loss = F.mse_loss(x_hat, x, reduction="sum") + _kl(mu, logvar)  # noqa: F841 -- forgot the return


def loss_no_kl(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum")


def loss_no_kl_2(x_hat, x, mu, logvar):
    return ((x_hat - x) ** 2).sum() + 0 * mu.sum()


def loss_no_recon(x_hat, x, mu, logvar):
    return _kl(mu, logvar)


def loss_no_recon_2(x_hat, x, mu, logvar):
    return kl_distributions(mu, logvar)


def loss_kl_sign(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum") - _kl(mu, logvar)


def loss_kl_sign_2(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum") + kl_sign(mu, logvar)


def loss_kl_no_half(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum") + kl_no_half(mu, logvar)


def loss_kl_no_half_2(x_hat, x, mu, logvar):
    return ((x_hat - x) ** 2).sum() + kl_no_half_2(mu, logvar)


def loss_bce(x_hat, x, mu, logvar):
    return F.binary_cross_entropy(x_hat, x, reduction="sum") + _kl(mu, logvar)


def loss_in_place(x_hat, x, mu, logvar):
    x_hat.data.sub_(x)
    return x_hat.pow(2).sum() + _kl(mu, logvar)


def kl_no_exp(mu, logvar):  # the variance term written as logvar
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar)


def kl_no_exp_per_example(mu, logvar):
    return (-0.5 * (1 + logvar - mu ** 2 - logvar).sum(dim=1)).mean()


def kl_pow_in_place(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow_(2) - logvar.exp())


def loss_rebuilt_from_item(x_hat, x, mu, logvar):  # looks differentiable, is cut from the graph
    loss = F.mse_loss(x_hat, x, reduction="sum") + _kl(mu, logvar)
    return torch.tensor(loss.item(), requires_grad=True)


def loss_detached_then_required(x_hat, x, mu, logvar):
    return (F.mse_loss(x_hat, x, reduction="sum") + _kl(mu, logvar)).detach().requires_grad_()


def loss_recon_mean_over_batch(x_hat, x, mu, logvar):  # per-example squared error averaged, the KL summed
    return (x_hat - x).pow(2).sum(1).mean() + _kl(mu, logvar)


def loss_kl_mean_over_latents(x_hat, x, mu, logvar):
    kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp(), dim=1).sum()
    return F.mse_loss(x_hat, x, reduction="sum") + kl


def kl_keepdim(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=(0, 1), keepdim=True).flatten()  # shape (1,)
