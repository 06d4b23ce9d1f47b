"""Helpers for the VAE course: data, device, training, plots, checks and the notebook build.

Each module has one job; notebooks import what they need, e.g. `from vae_lesson import check`.
"""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
