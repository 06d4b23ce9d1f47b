"""Interactive explorers for JupyterLab (ipywidgets); each chapter also shows a static figure beside them."""
import io

import ipywidgets as widgets
import torch
from torchvision.utils import save_image


def _png(image, scale=6):
    """A (784,) or (1, 28, 28) image as PNG bytes, enlarged `scale` times with crisp pixels."""
    image = image.detach().float().cpu().view(1, 1, 28, 28).clamp(0, 1)
    buffer = io.BytesIO()
    save_image(torch.nn.functional.interpolate(image, scale_factor=scale, mode="nearest"), buffer, format="png")
    return buffer.getvalue()


def latent_explorer(decoder, bound=3.0):
    """Two sliders for (z1, z2) and the digit the decoder draws there, redrawn as the sliders move."""
    device = next(decoder.parameters()).device
    sliders = [widgets.FloatSlider(value=0.0, min=-bound, max=bound, step=0.1, description=name,
                                   continuous_update=True) for name in ("z1", "z2")]
    picture = widgets.Image(format="png", width=168, height=168)

    def redraw(_=None):
        with torch.no_grad():
            z = torch.tensor([[s.value for s in sliders]], device=device)
            picture.value = _png(decoder(z))

    for slider in sliders:
        slider.observe(redraw, names="value")
    redraw()
    return widgets.HBox([widgets.VBox(sliders), picture])
