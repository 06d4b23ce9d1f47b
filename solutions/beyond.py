"""Reference answers for the exercises of the chapters after 05."""
import torch


def interpolate(z_start, z_end, steps):
    """`steps` codes evenly spaced on the straight line from z_start to z_end, both included: (steps, Z)."""
    t = torch.linspace(0, 1, steps, dtype=z_start.dtype, device=z_start.device).unsqueeze(1)
    return (1 - t) * z_start + t * z_end


def spot_the_bug():
    """Chapter 06: the pitfall behind the unnamed variant. The KL curve sinks to zero from the first steps,
    and every reconstruction is the same blurred average digit: the KL outweighs the reconstruction,
    which a mean-reduced MSE (F.mse_loss's default) beside a summed KL does by a factor of 784 * batch."""
    return "mean-reduction"
