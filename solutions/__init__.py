"""Reference solutions: the solved notebooks live beside this module, which holds the model they build."""
from .vae import VAE, Decoder, Encoder, kl_divergence, reparameterize, vae_loss

__all__ = ["Encoder", "reparameterize", "Decoder", "VAE", "kl_divergence", "vae_loss"]
