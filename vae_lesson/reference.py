"""The reference the course is checked against and builds on: solutions/ in the full repository, or, in a
handout (vae_lesson.handout), the same code compiled without its source, so that there is no solution to read.

    from vae_lesson.reference import VAE, beyond

VAE_LESSON_REFERENCE=compiled uses the compiled copy even where solutions/ exists (the handout's tests).
"""
import importlib
import os

COMPILED = "vae_lesson._reference"  # a handout's compiled copy: bytecode only (see handout.py)


def _load():
    if os.environ.get("VAE_LESSON_REFERENCE") != "compiled":
        try:
            return importlib.import_module("solutions"), importlib.import_module("solutions.beyond")
        except ModuleNotFoundError as error:
            if error.name != "solutions":
                raise
    try:
        return importlib.import_module(COMPILED), importlib.import_module(COMPILED + ".beyond")
    except ModuleNotFoundError:
        raise ModuleNotFoundError("the course's reference is missing: neither solutions/ (the full repository) nor "
                                  "its compiled copy (a handout built by `python -m vae_lesson.handout`) is here",
                                  name="solutions") from None


solutions, beyond = _load()
Encoder, Decoder, VAE = solutions.Encoder, solutions.Decoder, solutions.VAE
reparameterize, kl_divergence, vae_loss = solutions.reparameterize, solutions.kl_divergence, solutions.vae_loss
CVAE = beyond.CVAE
