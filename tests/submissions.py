"""A catalogue of learner submissions: correct ones written differently, and known-wrong ones by pitfall."""
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal, kl_divergence as dist_kl


# ------------------------------------------------------------------ encoders
class EncoderSequentialFusedHead(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU())
        self.head = nn.Linear(hidden_dim, 2 * latent_dim)

    def forward(self, x):
        mu, logvar = self.head(self.body(x)).chunk(2, dim=-1)
        return mu, logvar


class EncoderLogvarHeadFirst(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc_logvar = nn.Linear(hidden_dim, latent_dim)
        self.fc_mu = nn.Linear(hidden_dim, latent_dim)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return self.fc_mu(h), self.fc_logvar(h)


class EncoderModuleList(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(input_dim, hidden_dim), nn.Linear(hidden_dim, latent_dim),
                                     nn.Linear(hidden_dim, latent_dim)])
        self.act = nn.ReLU()

    def forward(self, x):
        h = self.act(self.layers[0](x))
        return tuple(layer(h) for layer in self.layers[1:])


class EncoderFusedLogvarFirst(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.hidden, self.stats, self.z = nn.Linear(input_dim, hidden_dim), nn.Linear(hidden_dim, 2 * latent_dim), latent_dim

    def forward(self, x):
        s = self.stats(F.relu(self.hidden(x)))
        return s[:, self.z:], s[:, :self.z]


def _encoder_with(post):
    class Wrong(EncoderLogvarHeadFirst):
        def forward(self, x):
            mu, logvar = super().forward(x)
            return mu, post(logvar)
    return Wrong


class EncoderNoRelu(EncoderLogvarHeadFirst):
    def forward(self, x):
        h = self.fc1(x)
        return self.fc_mu(h), self.fc_logvar(h)


class EncoderStub(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        raise NotImplementedError("Exercise: build the layers")


class EncoderOneOutput(EncoderLogvarHeadFirst):
    def forward(self, x):
        return super().forward(x)[0]


# ------------------------------------------------------------------ decoders
class DecoderSequential(nn.Module):
    def __init__(self, latent_dim=20, hidden_dim=400, output_dim=784):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, output_dim),
                                 nn.Sigmoid())

    def forward(self, z):
        return self.net(z)


class DecoderFunctional(nn.Module):
    def __init__(self, latent_dim=20, hidden_dim=400, output_dim=784):
        super().__init__()
        self.fc3, self.fc4 = nn.Linear(latent_dim, hidden_dim), nn.Linear(hidden_dim, output_dim)

    def forward(self, z):
        return F.sigmoid(self.fc4(F.relu(self.fc3(z))))


class DecoderManualSigmoid(DecoderFunctional):
    def forward(self, z):
        return 1 / (1 + torch.exp(-self.fc4(self.fc3(z).clamp(min=0))))


class DecoderPrinting(DecoderFunctional):
    def forward(self, z):
        print("decoding", z.shape)
        return self.fc4(F.relu(self.fc3(z))).sigmoid()


class DecoderNoSigmoid(DecoderFunctional):
    def forward(self, z):
        return self.fc4(F.relu(self.fc3(z)))


class DecoderTanh(DecoderFunctional):
    def forward(self, z):
        return torch.tanh(self.fc4(F.relu(self.fc3(z))))


# ------------------------------------------------------------------ reparameterize
def rep_exp_half(mu, logvar):
    return mu + torch.exp(logvar / 2) * torch.randn_like(mu)


def rep_mul_exp(mu, logvar):
    return logvar.mul(0.5).exp().mul(torch.randn_like(logvar)).add(mu)


def rep_randn_explicit(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + std * torch.randn(std.shape, dtype=std.dtype, device=std.device)


def rep_rsample(mu, logvar):
    return Normal(mu, torch.exp(0.5 * logvar)).rsample()


def rep_sqrt_exp(mu, logvar):
    eps = torch.empty_like(mu).normal_()
    return eps * logvar.exp().sqrt() + mu


def rep_std_not_exp(mu, logvar):
    return mu + 0.5 * logvar * torch.randn_like(logvar)


def rep_std_not_exp_2(mu, logvar):
    eps = torch.randn_like(mu)
    std = logvar * 0.5
    return eps.mul(std).add_(mu)


def rep_missing_half(mu, logvar):
    return mu + torch.exp(logvar) * torch.randn_like(logvar)


def rep_missing_half_2(mu, logvar):
    return mu + torch.randn_like(mu) * logvar.exp()


def rep_sqrt_logvar(mu, logvar):
    return mu + torch.sqrt(logvar) * torch.randn_like(mu)


def rep_log_logvar(mu, logvar):
    return mu + torch.exp(0.5 * torch.log(logvar)) * torch.randn_like(mu)


def rep_rand_like(mu, logvar):
    return mu + torch.exp(0.5 * logvar) * torch.rand_like(logvar)


def rep_randn_float32(mu, logvar):
    return mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape)


def rep_mu_only(mu, logvar):
    return mu


def rep_unscaled(mu, logvar):
    return mu + torch.randn_like(mu)


def rep_sample(mu, logvar):
    return Normal(mu, torch.exp(0.5 * logvar)).sample()


def rep_detach(mu, logvar):
    return (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).detach()


def rep_no_grad(mu, logvar):
    with torch.no_grad():
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def rep_stub(mu, logvar):
    raise NotImplementedError("Exercise: return mu + std * eps")


def rep_none(mu, logvar):
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn_like(std)  # noqa: F841 -- forgot the return


def rep_wrong_shape(mu, logvar):
    return (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).sum(dim=1)


def rep_tuple(mu, logvar):
    return mu, logvar


def rep_in_place(mu, logvar):
    mu.data.add_(torch.exp(0.5 * logvar) * torch.randn_like(mu))
    return mu


def rep_raises(mu, logvar):
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu).view(3, -1, 7)


def rep_slow(mu, logvar):
    while True:
        time.sleep(0.01)


def rep_nan(mu, logvar):
    return mu * float("nan")


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


# ------------------------------------------------------------------ VAEs
def make_vae(encoder_cls, decoder_cls, sample, flatten=lambda x: x.view(x.size(0), -1), mu_in_eval=False):
    """A learner's VAE assembled from their own parts."""
    class LearnerVAE(nn.Module):
        def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
            super().__init__()
            self.enc = encoder_cls(input_dim, hidden_dim, latent_dim)
            self.dec = decoder_cls(latent_dim, hidden_dim, input_dim)

        def forward(self, x):
            mu, logvar = self.enc(flatten(x))
            z = mu if (mu_in_eval and not self.training) else sample(mu, logvar)
            return self.dec(z), mu, logvar
    return LearnerVAE


class VAEFlat(nn.Module):
    """Everything in one class, decoder first, fused head."""

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.d1, self.d2 = nn.Linear(latent_dim, hidden_dim), nn.Linear(hidden_dim, input_dim)
        self.e1, self.e2 = nn.Linear(input_dim, hidden_dim), nn.Linear(hidden_dim, 2 * latent_dim)

    def forward(self, x):
        mu, logvar = self.e2(F.relu(self.e1(torch.flatten(x, 1)))).chunk(2, dim=1)
        z = Normal(mu, (0.5 * logvar).exp()).rsample()
        return torch.sigmoid(self.d2(F.relu(self.d1(z)))), mu, logvar


# ------------------------------------------------------------------ interpolate (chapter 07)
def interp_lerp(z_start, z_end, steps):
    return torch.lerp(z_start, z_end, torch.linspace(0, 1, steps).unsqueeze(1))


def interp_loop(z_start, z_end, steps):
    return torch.stack([z_start + (z_end - z_start) * i / (steps - 1) for i in range(steps)])


def interp_arange(z_start, z_end, steps):
    t = torch.arange(steps, dtype=z_start.dtype)[:, None] / (steps - 1)
    return z_start * (1 - t) + z_end * t


def interp_outer(z_start, z_end, steps):
    return z_start + torch.outer(torch.linspace(0, 1, steps), z_end - z_start)


def interp_no_end(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps + 1)[:-1].unsqueeze(1)
    return (1 - t) * z_start + t * z_end


def interp_reversed(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return t * z_start + (1 - t) * z_end


def interp_list(z_start, z_end, steps):
    return [z_start + (z_end - z_start) * i / (steps - 1) for i in range(steps)]


def interp_one_extra(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps + 1).unsqueeze(1)
    return (1 - t) * z_start + t * z_end


# ------------------------------------------------------------------ spot the bug (chapter 06)
def spot_plain():
    return "mean-reduction"


def spot_variable():
    answer = "mean" + "-" + "reduction"
    return answer


def spot_lookup():
    symptoms = {"KL curve at zero, look-alike digits": "mean-reduction", "NaN at step 1": "logvar-as-variance"}
    return symptoms["KL curve at zero, look-alike digits"]


def spot_stripped():
    return "  mean-reduction ".strip()


def spot_wrong():
    return "kl-sign-flipped"


def spot_unknown():
    return "posterior-collapse"


def spot_not_a_string():
    return 3


# ------------------------------------------------------------------ iwae_estimate (chapter 08)
def iwae_manual_max(log_w):
    m = log_w.max(dim=0).values
    return m + torch.log(torch.exp(log_w - m).mean(dim=0))


def iwae_logmeanexp(log_w):
    return torch.logsumexp(log_w - torch.log(torch.tensor(float(log_w.shape[0]))), dim=0)


def iwae_numpy_style(log_w):
    import math
    return torch.logsumexp(log_w.T, dim=1) - math.log(len(log_w))


def iwae_float64(log_w):
    return (torch.logsumexp(log_w.double(), 0) - torch.tensor(log_w.shape[0]).double().log()).to(log_w.dtype)


def iwae_naive(log_w):
    return torch.log(torch.exp(log_w).mean(dim=0))


def iwae_naive_sum(log_w):
    return torch.log(torch.exp(log_w).sum(dim=0) / log_w.shape[0])


def iwae_no_log_k(log_w):
    return torch.logsumexp(log_w, dim=0)


def iwae_no_log_k_2(log_w):
    m = log_w.max(0).values
    return m + torch.log(torch.exp(log_w - m).sum(0))


def iwae_mean_of_logs(log_w):
    return log_w.mean(dim=0)


def iwae_mean_of_logs_2(log_w):
    return log_w.sum(0) / log_w.shape[0]


def iwae_wrong_dim(log_w):
    return torch.logsumexp(log_w, dim=1) - 1.0


# ------------------------------------------------------------------ condition (chapter 09)
def cond_eye(v, labels, num_classes=10):
    return torch.cat([v, torch.eye(num_classes, dtype=v.dtype)[labels]], dim=1)


def cond_scatter(v, labels, num_classes=10):
    one_hot = torch.zeros(len(labels), num_classes, dtype=v.dtype).scatter_(1, labels.unsqueeze(1), 1.0)
    return torch.hstack([v, one_hot])


def cond_compare(v, labels, num_classes=10):
    return torch.cat((v, (labels[:, None] == torch.arange(num_classes)).to(v.dtype)), -1)


def cond_loop(v, labels, num_classes=10):
    rows = []
    for row, label in zip(v, labels):
        code = torch.zeros(num_classes)
        code[label] = 1
        rows.append(torch.cat([row, code]))
    return torch.stack(rows)


def cond_raw_label(v, labels, num_classes=10):
    return torch.cat([v, labels.unsqueeze(1).to(v.dtype)], dim=1)


def cond_scaled_label(v, labels, num_classes=10):
    return torch.cat([v, labels.unsqueeze(1).to(v.dtype) / 9], dim=1)


def cond_label_first(v, labels, num_classes=10):
    return torch.cat([F.one_hot(labels, num_classes).to(v.dtype), v], dim=1)


# ------------------------------------------------------------------ parameter_count (chapter 10)
def count_layers(input_dim, hidden_dim, latent_dim):
    layers = [(input_dim, hidden_dim), (hidden_dim, latent_dim), (hidden_dim, latent_dim),
              (latent_dim, hidden_dim), (hidden_dim, input_dim)]
    return sum(a * b + b for a, b in layers)


def count_expanded(D, H, Z):
    return 2 * D * H + 3 * H * Z + 2 * H + 2 * Z + D


def count_by_building(input_dim, hidden_dim, latent_dim):
    from solutions import VAE
    return sum(p.numel() for p in VAE(input_dim, hidden_dim, latent_dim).parameters())


def count_tensor(D, H, Z):
    return torch.tensor(D * H + H + 2 * (H * Z + Z) + Z * H + H + H * D + D)


def count_no_biases(D, H, Z):
    return D * H + 2 * H * Z + Z * H + H * D


def count_no_biases_2(D, H, Z):
    return 2 * D * H + 3 * H * Z


def count_one_head(D, H, Z):
    return D * H + H + (H * Z + Z) + Z * H + H + H * D + D


def count_string(D, H, Z):
    return f"{2 * D * H}"
