"""Generated learners for the grading tests and benchmark: copies of notebooks/ with exercise cells edited.

    folder = new_learner(class_dir / "ada", answers={"kl_divergence": SOLVED["kl_divergence"]})

An answer is the whole source of the exercise cell. SOLVED holds the reference answers, WRONG one
known mistake per exercise with the pitfall id the grader names for it.
"""
import functools
import json
import shutil
from pathlib import Path

import nbformat

from .. import REPO_ROOT
from .chapters import read_chapters

NOTEBOOKS = REPO_ROOT / "notebooks"

WRONG = {
    "encoder": ("class Encoder(nn.Module):\n"
                "    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):\n"
                "        super().__init__()\n"
                "        self.hidden = nn.Linear(input_dim, hidden_dim)\n"
                "        self.mu = nn.Linear(hidden_dim, latent_dim)\n"
                "        self.logvar = nn.Linear(hidden_dim, latent_dim)\n\n"
                "    def forward(self, x):\n"
                "        h = self.hidden(x)  # no relu\n"
                "        return self.mu(h), self.logvar(h)\n", "wrong-values"),
    "reparameterize": ("def reparameterize(mu, logvar):\n"
                       "    return mu + 0.5 * logvar * torch.randn_like(logvar)\n", "std-not-exponentiated"),
    "decoder": ("class Decoder(nn.Module):\n"
                "    def __init__(self, latent_dim=20, hidden_dim=400, output_dim=784):\n"
                "        super().__init__()\n"
                "        self.hidden = nn.Linear(latent_dim, hidden_dim)\n"
                "        self.out = nn.Linear(hidden_dim, output_dim)\n\n"
                "    def forward(self, z):\n"
                "        return self.out(F.relu(self.hidden(z)))\n", "missing-sigmoid"),
    "kl_divergence": ("def kl_divergence(mu, logvar):\n"
                      "    return 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())\n", "kl-sign-flipped"),
    "vae_loss": ("def vae_loss(x_hat, x, mu, logvar):\n"
                 "    return F.mse_loss(x_hat, x) + kl_divergence(mu, logvar)\n", "mean-reduction"),
    "vae": ("class VAE(nn.Module):\n"
            "    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):\n"
            "        super().__init__()\n"
            "        self.encoder, self.decoder = Encoder(input_dim, hidden_dim, latent_dim), "
            "Decoder(latent_dim, hidden_dim, input_dim)\n\n"
            "    def forward(self, x):\n"
            "        mu, logvar = self.encoder(x.flatten(start_dim=1))\n"
            "        return self.decoder(mu), mu, logvar  # no sampling\n", "no-noise"),
    "train_step": ("def train_step(model, optimizer, x):\n"
                   "    x_hat, mu, logvar = model(x)  # no optimizer.zero_grad(): gradients pile up\n"
                   "    loss = vae_loss(x_hat, x, mu, logvar)\n"
                   "    loss.backward()\n"
                   "    optimizer.step()\n"
                   "    return loss.item()\n", "grad-not-zeroed"),
    "sample": ("def sample(decoder, n):\n"
               "    weight = next(decoder.parameters())\n"
               "    with torch.no_grad():\n"
               "        return decoder(torch.rand(n, weight.shape[1], dtype=weight.dtype))  # uniform, not N(0, I)\n",
               "noise-not-randn-like"),
    "spot_the_bug": ("def spot_the_bug():\n    return {'A': 'kl-missing-half', 'B': 'grad-not-zeroed', "
                     "'C': 'mean-reduction'}\n", "wrong-values"),
    "interpolate": ("def interpolate(z_start, z_end, steps):\n"
                    "    t = torch.linspace(0, 1, steps).unsqueeze(1)\n"
                    "    return t * z_start + (1 - t) * z_end\n", "wrong-values"),
    "elbo_estimate": ("def elbo_estimate(x, x_hat, mu, logvar, sigma2=0.5):\n"
                      "    log_px_z = -((x - x_hat) ** 2).sum(dim=1) / (2 * sigma2)  # the constant left out\n"
                      "    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)\n"
                      "    return log_px_z - kl\n", "elbo-missing-constant"),
    "iwae_estimate": ("def iwae_estimate(log_weights):\n"
                      "    return torch.logsumexp(log_weights, dim=0)\n", "missing-log-k"),
    "condition": ("def condition(v, labels, num_classes=10):\n"
                  "    return torch.cat([v, labels.unsqueeze(1).to(v.dtype)], dim=1)\n", "label-not-one-hot"),
    "parameter_count": ("def parameter_count(input_dim, hidden_dim, latent_dim):\n"
                        "    D, H, Z = input_dim, hidden_dim, latent_dim\n"
                        "    return D * H + 2 * H * Z + Z * H + H * D\n", "missing-biases"),
}


@functools.cache
def exercise_cells():
    """{exercise: (notebook name, cell id)} for every exercise of the course."""
    return {ex.name: (nb, ex.cell_id) for nb, chapter in read_chapters().items() for ex in chapter.exercises}


def _solved_sources():
    sources = {}
    for exercise, (name, cell_id) in exercise_cells().items():
        nb = nbformat.read(REPO_ROOT / "solutions" / name, as_version=4)
        sources[exercise] = next(c.source for c in nb.cells if c.get("id") == cell_id)
    return sources


SOLVED = _solved_sources()


def set_cell(folder, notebook, cell_id, source):
    path = Path(folder) / notebook
    nb = json.loads(path.read_text())  # plain JSON: a class is hundreds of edits, nbformat validates each
    next(c for c in nb["cells"] if c.get("id") == cell_id)["source"] = source
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def set_answer(folder, exercise, source):
    set_cell(folder, *exercise_cells()[exercise], source)


def new_learner(folder, answers=None, notebooks=None):
    """A learner folder with fresh copies of notebooks/ (or only those named in `notebooks`), then
    `answers` ({exercise: cell source}) written in."""
    folder = Path(folder)
    folder.mkdir(parents=True)
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if notebooks is None or path.name in notebooks:
            shutil.copyfile(path, folder / path.name)
    for exercise, source in (answers or {}).items():
        set_answer(folder, exercise, source)
    return folder


def sample_class(folder, size=30):
    """`size` learners: a third solved everything, a third made one known mistake per exercise, a third
    solved the first chapters only. Returns {learner: {exercise: expected pitfall or None if passed}}."""
    expected = {}
    for i in range(size):
        kind = ("solved", "wrong", "partial")[i % 3]
        answers = {"solved": SOLVED, "wrong": {k: s for k, (s, _) in WRONG.items()},
                   "partial": dict(list(SOLVED.items())[: 1 + i % 6])}[kind]
        name = f"learner{i:02d}-{kind}"
        new_learner(Path(folder) / name, answers)
        expected[name] = {e: (None if e in answers and kind != "wrong" else
                              WRONG[e][1] if kind == "wrong" else "not-implemented") for e in SOLVED}
    return expected
