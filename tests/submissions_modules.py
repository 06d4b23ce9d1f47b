"""Learner submissions for the module exercises: encoders, decoders and whole VAEs, right and wrong."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal


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


class EncoderFc21(nn.Module):
    """The layout of pytorch/examples' VAE: fc1, then fc21 (mu) and fc22 (logvar), mu's head first."""

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc21 = nn.Linear(hidden_dim, latent_dim)
        self.fc22 = nn.Linear(hidden_dim, latent_dim)

    def forward(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)


def _encoder_with(post, base=EncoderLogvarHeadFirst):
    class Wrong(base):
        def forward(self, x):
            mu, logvar = super().forward(x)
            return mu, post(logvar)
    squash = getattr(post, "__name__", "post").strip("<>").replace("lambda", "squashed")
    Wrong.__name__ = f"{base.__name__}_logvar_{squash}"
    return Wrong


class EncoderNoRelu(EncoderLogvarHeadFirst):
    def forward(self, x):
        h = self.fc1(x)
        return self.fc_mu(h), self.fc_logvar(h)


class EncoderFc21NoRelu(EncoderFc21):
    def forward(self, x):
        h1 = self.fc1(x)
        return self.fc21(h1), self.fc22(h1)


class EncoderNoReturn(EncoderFc21):
    def forward(self, x):
        h1 = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h1), self.fc22(h1)  # noqa: F841 -- forgot the return


class EncoderReturnsHidden(EncoderFc21):
    def forward(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1), h1


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


class DecoderNoRelu(DecoderFunctional):
    def forward(self, z):
        return torch.sigmoid(self.fc4(self.fc3(z)))


class DecoderSequentialNoRelu(DecoderSequential):
    def __init__(self, latent_dim=20, hidden_dim=400, output_dim=784):
        super().__init__(latent_dim, hidden_dim, output_dim)
        self.net = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.Linear(hidden_dim, output_dim), nn.Sigmoid())


class DecoderReturnsLogits(DecoderFunctional):
    def forward(self, z):
        logits = self.fc4(F.relu(self.fc3(z)))
        return torch.sigmoid(logits), logits


class DecoderTanh(DecoderFunctional):
    def forward(self, z):
        return torch.tanh(self.fc4(F.relu(self.fc3(z))))


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


class VAEExamples(nn.Module):
    """The pytorch/examples VAE, generalised to any size: methods encode, reparameterize, decode."""

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.input_dim = input_dim
        self.fc1, self.fc21, self.fc22 = (nn.Linear(input_dim, hidden_dim), nn.Linear(hidden_dim, latent_dim),
                                          nn.Linear(hidden_dim, latent_dim))
        self.fc3, self.fc4 = nn.Linear(latent_dim, hidden_dim), nn.Linear(hidden_dim, input_dim)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, self.input_dim))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def vae_examples_with(name, reparameterize=None, forward=None):
    """VAEExamples with one method rewritten, as a learner would."""
    methods = {k: v for k, v in (("reparameterize", reparameterize), ("forward", forward)) if v}
    return type(name, (VAEExamples,), methods)


def _reparam_randn_size(self, mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + torch.randn(std.size()) * std


def _reparam_normal_shape(self, mu, logvar):
    return mu + torch.normal(0.0, 1.0, size=mu.shape) * torch.exp(0.5 * logvar)


def _reparam_rand_like(self, mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + torch.rand_like(std) * std


def _forward_decodes_mu(self, x):
    mu, logvar = self.encode(x.view(-1, self.input_dim))
    return self.decode(mu), mu, logvar


def _forward_view_784(self, x):
    mu, logvar = self.encode(x.view(-1, 784))
    return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def _forward_returns_std(self, x):
    mu, logvar = self.encode(x.view(-1, self.input_dim))
    return self.decode(self.reparameterize(mu, logvar)), mu, torch.exp(0.5 * logvar)


def _forward_swapped_return(self, x):
    mu, logvar = self.encode(x.view(-1, self.input_dim))
    return self.decode(self.reparameterize(mu, logvar)), logvar, mu


def _forward_x_hat_only(self, x):
    mu, logvar = self.encode(x.view(-1, self.input_dim))
    return self.decode(self.reparameterize(mu, logvar))


def _forward_no_return(self, x):
    mu, logvar = self.encode(x.view(-1, self.input_dim))
    self.decode(self.reparameterize(mu, logvar))


VAEExamplesRandnSize = vae_examples_with("VAEExamplesRandnSize", reparameterize=_reparam_randn_size)
VAEExamplesNormalShape = vae_examples_with("VAEExamplesNormalShape", reparameterize=_reparam_normal_shape)
VAEExamplesRandLike = vae_examples_with("VAEExamplesRandLike", reparameterize=_reparam_rand_like)
VAEExamplesDecodesMu = vae_examples_with("VAEExamplesDecodesMu", forward=_forward_decodes_mu)
VAEExamplesView784 = vae_examples_with("VAEExamplesView784", forward=_forward_view_784)
VAEExamplesReturnsStd = vae_examples_with("VAEExamplesReturnsStd", forward=_forward_returns_std)
VAEExamplesSwappedReturn = vae_examples_with("VAEExamplesSwappedReturn", forward=_forward_swapped_return)
VAEExamplesXHatOnly = vae_examples_with("VAEExamplesXHatOnly", forward=_forward_x_hat_only)
VAEExamplesNoReturn = vae_examples_with("VAEExamplesNoReturn", forward=_forward_no_return)


# ------------------------------------------------------------------ found by a learner's attempts
class EncoderCentresInPlace(EncoderFc21):
    def forward(self, x):
        x -= 0.5  # centre the pixels: changes the caller's batch
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)


class EncoderNormalisesInPlace(EncoderFc21):
    def forward(self, x):
        x.div_(x.max())
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)


class EncoderView784(EncoderFc21):
    def forward(self, x):
        h1 = F.relu(self.fc1(x.view(-1, 784)))
        return self.fc21(h1), self.fc22(h1)


class DecoderImageShaped(DecoderFunctional):
    def forward(self, z):
        return F.sigmoid(self.fc4(F.relu(self.fc3(z)))).view(-1, 1, 28, 28)


class DecoderClamped(DecoderFunctional):  # in [0, 1], but no gradient wherever it cuts
    def forward(self, z):
        return self.fc4(F.relu(self.fc3(z))).clamp(0, 1)


class DecoderHardsigmoid(DecoderFunctional):
    def forward(self, z):
        return F.hardsigmoid(self.fc4(F.relu(self.fc3(z))))
