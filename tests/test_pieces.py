"""Pieces carried from chapters 01-04 into chapter 06 (saved by the checks, loaded back, never in solutions/), and
chapter 06's choice between the cached reference model and training the learner's own."""
import inspect
import linecache

import matplotlib
import pytest
import torch

import solutions
from vae_lesson import check, pieces, plot

matplotlib.use("Agg")

ENCODER_CELL = '''import torch
class MyEncoder(nn.Module):
    """A learner's encoder: the same layers as the reference, another name."""

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.mu = nn.Linear(hidden_dim, latent_dim)
        self.logvar = nn.Linear(hidden_dim, latent_dim)

    def forward(self, x):
        h = F.relu(self.hidden(x))
        return self.mu(h), self.logvar(h)
'''
DECODER_DETACHING = '''class MyDecoder(nn.Module):
    def __init__(self, latent_dim=20, hidden_dim=400, output_dim=784):
        super().__init__()
        self.hidden = nn.Linear(latent_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, output_dim)

    def forward(self, z):
        return torch.sigmoid(self.out(F.relu(self.hidden(z.detach()))))
'''
UNIFORM_NOISE = "def reparameterize(mu, logvar):\n    return mu + torch.exp(0.5 * logvar) * torch.rand_like(mu)\n"
STUB = "def kl_divergence(mu, logvar):\n    raise NotImplementedError('Exercise')\n"


def notebook_cell(source, name, number, extra=None):
    """Run `source` as IPython runs a cell: in __main__ (with the names earlier cells bound, `extra`), its text in
    linecache under a cell file name."""
    filename = f"/tmp/ipykernel_0/{number}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__", "torch": torch, "nn": torch.nn, "F": torch.nn.functional, **(extra or {})}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


@pytest.fixture
def notebook_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(pieces, "_in_notebook", lambda: True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_passing_class_is_saved_readable_and_chapter_06_uses_it(notebook_folder, capsys):
    assert check.encoder(notebook_cell(ENCODER_CELL, "MyEncoder", 1)).passed
    saved = (notebook_folder / "my_pieces" / "encoder.py").read_text()
    assert "its check said: PASSED" in saved and "class MyEncoder(nn.Module):" in saved
    assert "Encoder = MyEncoder" in saved and "import torch\nclass" not in saved  # the class, not the whole cell
    Encoder, reparameterize, Decoder, kl = pieces.load_pieces()
    assert Encoder.__name__ == "MyEncoder" and Encoder is not solutions.Encoder
    assert (reparameterize, Decoder, kl) == (solutions.reparameterize, solutions.Decoder, solutions.kl_divergence)
    out = capsys.readouterr().out
    assert "Encoder: yours, from my_pieces/encoder.py" in out
    assert "Decoder: the reference stands in (no saved piece yet: run the check in 03_decoder.ipynb)" in out


def test_pieces_written_with_torch_distributions_are_carried_with_their_imports(notebook_folder, capsys):
    """Chapters 02 and 04 import Normal in their first cell; a piece built on it must run from my_pieces/ too."""
    import numpy as np
    from torch.distributions import Normal, kl_divergence as dist_kl
    rsample = "def reparameterize(mu, logvar):\n    return Normal(mu, torch.exp(0.5 * logvar)).rsample()\n"
    kl = ("def kl_divergence(mu, logvar):\n    q = Normal(mu, torch.exp(0.5 * logvar))\n"
          "    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))\n    return dist_kl(q, p).sum() * np.float32(1)\n")
    extra = {"Normal": Normal, "dist_kl": dist_kl, "np": np}
    assert check.reparameterize(notebook_cell(rsample, "reparameterize", 2, extra)).passed
    assert check.kl_divergence(notebook_cell(kl, "kl_divergence", 3, extra)).passed
    saved = (notebook_folder / "my_pieces" / "reparameterize.py").read_text()
    assert "from torch.distributions.normal import Normal" in saved
    _, reparameterize, _, kl_divergence = pieces.load_pieces()
    assert reparameterize is not solutions.reparameterize and kl_divergence is not solutions.kl_divergence
    out = capsys.readouterr().out
    assert "reparameterize: yours" in out and "kl_divergence: yours" in out


def test_a_piece_that_cuts_the_gradient_is_replaced_so_chapter_06_does_not_blame_the_vae(notebook_folder, capsys):
    """A Decoder with chapter 07's z.detach() once passed chapter 03 and then failed chapter 06's VAE and step,
    which blamed the sampling. Its own check names it now, and chapter 06 builds with the reference instead."""
    cell = DECODER_DETACHING.replace("MyDecoder", "Decoder")
    assert check.decoder(notebook_cell(cell, "Decoder", 4)).pitfall == "gradient-blocked"
    _, _, Decoder, _ = pieces.load_pieces()
    assert Decoder is solutions.Decoder
    assert "Decoder: the reference stands in; yours fails its check [gradient-blocked]" in capsys.readouterr().out


def test_a_failed_piece_is_replaced_and_its_cost_shown_a_stub_in_one_line(notebook_folder, capsys):
    import matplotlib.pyplot as plt
    check.reparameterize(notebook_cell(UNIFORM_NOISE, "reparameterize", 2))
    check.kl_divergence(notebook_cell(STUB, "kl_divergence", 3))
    loaded = pieces.load_pieces()
    assert list(loaded)[1] is solutions.reparameterize and set(loaded.failed) == {"reparameterize", "kl_divergence"}
    assert "reparameterize: the reference stands in; yours fails its check [noise-not-randn-like]" in \
        capsys.readouterr().out
    figures = len(plt.get_fignums())
    train, shown = torch.rand(256, 1, 28, 28), torch.rand(4, 1, 28, 28)
    loaded.show_cost(train, shown, epochs=1)
    assert len(plt.get_fignums()) == figures + 1  # one picture: the stub cannot train
    assert "Your kl_divergence is still a stub" in capsys.readouterr().out


def test_the_solved_folder_neither_saves_nor_loads(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "solutions"
    (folder / "my_pieces").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "my_pieces" / "encoder.py").write_text(ENCODER_CELL + "Encoder = MyEncoder\n")
    monkeypatch.setattr(pieces, "_in_notebook", lambda: True)
    monkeypatch.chdir(folder)
    check.reparameterize(notebook_cell(UNIFORM_NOISE, "reparameterize", 4))
    assert not (folder / "my_pieces" / "reparameterize.py").exists()
    loaded = pieces.load_pieces()
    assert list(loaded) == [solutions.Encoder, solutions.reparameterize, solutions.Decoder, solutions.kl_divergence]
    loaded.show_cost(None, None)
    assert capsys.readouterr().out == pieces.SOLVED + "\nNo piece of yours fails its check: no cost to show.\n"


def test_outside_a_notebook_nothing_is_saved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pytest, the grading command: no Jupyter kernel
    check.reparameterize(notebook_cell(UNIFORM_NOISE, "reparameterize", 5))
    assert not (tmp_path / "my_pieces").exists()


def test_a_failure_to_save_is_one_line_and_the_verdict_still_comes(notebook_folder, capsys):
    (notebook_folder / "my_pieces").write_text("a file where the folder should be")
    result = check.reparameterize(notebook_cell(UNIFORM_NOISE, "reparameterize", 6))
    assert result.pitfall == "noise-not-randn-like"
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("Could not save your reparameterize for chapter 06")


# ---------------------------------------------------------------- chapter 06's training: cached or trained here

def _no_zero_grad(model, optimizer, x):
    """A learner's train_step that forgets optimizer.zero_grad(): its first step is right, its second is not."""
    x_hat, mu, logvar = model(x)
    loss = solutions.vae_loss(x_hat, x, mu, logvar)
    loss.backward()
    optimizer.step()
    return loss.item()


class SwappedEncoder(solutions.Encoder):
    """Passes the encoder's check (same layers, same outputs for the same weights) but draws its initial weights
    in another order: its VAE is another model."""

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        torch.nn.Module.__init__(self)
        self.logvar = torch.nn.Linear(hidden_dim, latent_dim)
        self.mu = torch.nn.Linear(hidden_dim, latent_dim)
        self.hidden = torch.nn.Linear(input_dim, hidden_dim)


class SwappedVAE(solutions.VAE):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        torch.nn.Module.__init__(self)
        self.encoder = SwappedEncoder(input_dim, hidden_dim, latent_dim)
        self.decoder = solutions.Decoder(latent_dim, hidden_dim, input_dim)


def test_training_here_gives_fit_s_model_bit_for_bit():
    from solutions.beyond import train_step
    from vae_lesson.own_training import train_here
    from vae_lesson.train import fit
    torch.manual_seed(5)
    train, test = torch.rand(300, 1, 28, 28), torch.rand(50, 1, 28, 28)
    model, history = train_here(solutions.VAE, train_step, train, test, epochs=2, progress=False)
    torch.manual_seed(0)
    reference = solutions.VAE()
    expected = fit(reference, train, test, epochs=2, progress=False)
    assert history.steps == expected.steps and len(history.steps) == 6
    assert [{k: v for k, v in row.items() if k != "seconds"} for row in history] == \
        [{k: v for k, v in row.items() if k != "seconds"} for row in expected]
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), reference.state_dict().values()))


def test_only_the_reference_s_behaviour_counts_as_the_reference():
    from solutions.beyond import train_step
    from vae_lesson.own_training import same_as_reference
    images = torch.rand(256, 1, 28, 28)
    cell = "from solutions import Decoder, Encoder, reparameterize\n" + inspect.getsource(solutions.VAE)
    copy_of_vae = notebook_cell(cell, "VAE", 7)  # the reference's text, defined in a notebook cell
    assert check.vae(copy_of_vae).passed and copy_of_vae is not solutions.VAE
    assert same_as_reference(copy_of_vae, train_step, images)
    assert check.encoder(SwappedEncoder).passed and not same_as_reference(SwappedVAE, train_step, images)
    assert not same_as_reference(solutions.VAE, _no_zero_grad, images)
    assert not same_as_reference(solutions.VAE, lambda model, optimizer, x: 1 / 0, images)


def test_chapter_06_loads_the_cached_reference_and_trains_a_learner_s_own(tmp_path, monkeypatch, capsys):
    from solutions.beyond import train_step
    from vae_lesson.own_training import train_chapter_vae
    monkeypatch.setenv("VAE_LESSON_CACHE", str(tmp_path))
    torch.manual_seed(6)
    train, test = torch.rand(256, 1, 28, 28), torch.rand(50, 1, 28, 28)
    first, history = train_chapter_vae(solutions.VAE, train_step, train, test, epochs=1)
    assert "Trained now and cached" in capsys.readouterr().out and len(list(tmp_path.glob("vae-*.pt"))) == 1
    again, loaded = train_chapter_vae(solutions.VAE, train_step, train, test, epochs=1)
    assert "Loaded from the cache" in capsys.readouterr().out and loaded == history
    assert loaded.from_cache and not history.from_cache  # said by the cache, not guessed from timings
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), again.state_dict().values()))
    mine, own = train_chapter_vae(SwappedVAE, train_step, train, test, epochs=1)
    assert "training your model now" in capsys.readouterr().out and isinstance(mine, SwappedVAE)
    assert len(own.steps) == 2 and own[0]["test_loss"] != history[0]["test_loss"]
    fig = plot.plot_history(own, "training")  # integer epoch ticks; the squared error is not called nats
    assert all(list(ax.get_xticks()) == [0, 1] for ax in fig.axes)
    assert [ax.get_ylabel() for ax in fig.axes] == ["summed squared error per example", "KL per example (nats)"]
