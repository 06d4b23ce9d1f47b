"""Submissions whose values are right and whose gradients are cut, as learners write them (and as chapter 07's
mystery does), each named gradient-blocked; and right ones that move tensors around without cutting anything."""
import numpy as np
import torch
import torch.nn.functional as F

from tests.submissions_modules import DecoderFunctional, EncoderFc21


# ------------------------------------------------------------------ modules
class EncoderLogvarDetached(EncoderFc21):
    def forward(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1).detach()  # "logvar should not be trained"


class EncoderHiddenNoGrad(EncoderFc21):
    def forward(self, x):
        with torch.no_grad():  # "the features are fixed"
            h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)


class EncoderHiddenData(EncoderFc21):
    def forward(self, x):
        h1 = F.relu(self.fc1(x)).data  # .data: the old way to "get the values"
        return self.fc21(h1), self.fc22(h1)


class DecoderDetachesZ(DecoderFunctional):
    def forward(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z.detach()))))  # chapter 07's mystery C


class DecoderOutputDetached(DecoderFunctional):
    def forward(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))).detach()


class DecoderHiddenNoGrad(DecoderFunctional):
    def forward(self, z):
        with torch.no_grad():
            h = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h))


class EncoderInPlaceRelu(EncoderFc21):
    """Right: an in-place ReLU on a fresh tensor cuts nothing."""

    def forward(self, x):
        h1 = self.fc1(x)
        h1.relu_()
        return self.fc21(h1), self.fc22(h1)


class DecoderClonesZ(DecoderFunctional):
    """Right: clone() keeps the graph."""

    def forward(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z.clone()))))


# ------------------------------------------------------------------ losses and the ELBO
def kl_mu_detached(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.detach().pow(2) - logvar.exp())


def kl_variance_through_numpy(mu, logvar):
    variance = torch.from_numpy(np.exp(logvar.detach().numpy()))  # "exp in numpy is the same"
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - variance)


def loss_x_hat_detached(x_hat, x, mu, logvar):
    recon = F.mse_loss(x_hat.detach(), x, reduction="sum")
    return recon + -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def loss_latents_detached(x_hat, x, mu, logvar):
    mu, logvar = mu.detach(), logvar.detach()  # "the KL is only a regulariser"
    return F.mse_loss(x_hat, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def loss_target_detached(x_hat, x, mu, logvar):
    """Right: detaching the data changes nothing."""
    return F.mse_loss(x_hat, x.detach(), reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def elbo_logvar_detached(x, x_hat, mu, logvar, sigma2=0.5):
    D = x.shape[1]
    log_px_z = -((x - x_hat) ** 2).sum(dim=1) / (2 * sigma2) - 0.5 * D * torch.log(torch.tensor(2 * torch.pi * sigma2))
    lv = logvar.detach()
    return log_px_z + 0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(dim=1)


def elbo_under_no_grad(x, x_hat, mu, logvar, sigma2=0.5):
    with torch.no_grad():  # "it is only an estimate"
        D = x.shape[1]
        log_px_z = -((x - x_hat) ** 2).sum(dim=1) / (2 * sigma2) - 0.5 * D * torch.log(
            torch.tensor(2 * torch.pi * sigma2))
        return log_px_z + 0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
