"""The training loop, the command-line trainer and the model cache."""
import math

import pytest
import torch
import torch.nn.functional as F

from solutions import VAE
from vae_lesson import cache, train


def _images(n=512, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 1, 28, 28, generator=g) > 0.7).float()


def test_fit_lowers_the_loss_and_reports_both_terms_per_example():
    torch.manual_seed(0)
    model, x = VAE(784, 64, 4), _images()
    history = train.fit(model, x, x[:128], epochs=3, batch_size=64, progress=False)
    assert [row["epoch"] for row in history] == [1, 2, 3] and history.diverged is None
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    row = history[-1]
    assert math.isclose(row["train_loss"], row["train_recon"] + row["train_kl"], rel_tol=1e-6)
    assert {"test_loss", "test_recon", "test_kl", "seconds"} <= row.keys()
    assert 0 < row["train_recon"] < 784  # per example: at most one unit of squared error per pixel


def test_fit_stops_with_a_message_when_the_loss_is_not_finite():
    class Exploding(VAE):
        def forward(self, x):
            x_hat, mu, logvar = super().forward(x)
            return x_hat, mu, torch.log(logvar)  # logvar treated as a variance: NaN for negative values

    history = train.fit(Exploding(784, 32, 4), _images(256), epochs=2, batch_size=64, progress=False)
    assert history.diverged is not None and len(history) == 0
    assert "epoch 1, step 1" in history.diverged and "logvar" in history.diverged


def test_beta_can_follow_a_schedule():
    seen = []
    train.fit(VAE(784, 16, 2), _images(256), epochs=2, batch_size=128, progress=False,
              beta=lambda done: seen.append(done) or done)
    assert seen == [0.0, 0.25, 0.5, 0.75]


def test_command_line_trainer_runs_one_epoch(data_available, tmp_path, capsys):
    train.main(["--epochs", "1", "--hidden-dim", "64", "--latent-dim", "4", "--device", "cpu", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "epoch   1" in out and "test loss" in out
    assert (tmp_path / "reconstruction.png").exists() and (tmp_path / "sample.png").exists()


def test_command_line_rejects_bad_values(capsys):
    with pytest.raises(SystemExit) as exit_:
        train.main(["--epochs", "0"])
    assert exit_.value.code == 2 and "--epochs must be at least 1" in capsys.readouterr().err


def test_command_line_names_an_unknown_device(capsys):
    with pytest.raises(SystemExit) as exit_:
        train.main(["--device", "tpu"])
    assert "Unknown device 'tpu'" in str(exit_.value.code)


def test_cached_model_trains_once_then_loads(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_LESSON_CACHE", str(tmp_path))
    calls = []

    def fit_once(model):
        calls.append(1)
        return train.fit(model, _images(128), epochs=1, batch_size=64, progress=False)

    settings = {"hidden": 16, "latent": 2, "epochs": 1}
    first, h1 = cache.cached_model("tiny", settings, lambda: VAE(784, 16, 2), fit_once)
    second, h2 = cache.cached_model("tiny", settings, lambda: VAE(784, 16, 2), fit_once)
    assert calls == [1] and h1 == h2 and h1.steps == h2.steps and not second.training
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    cache.cached_model("tiny", {**settings, "epochs": 2}, lambda: VAE(784, 16, 2), fit_once)
    assert calls == [1, 1]  # other settings, another model


def test_fast_binary_cross_entropy_equals_pytorchs():
    torch.manual_seed(3)
    x_hat = torch.rand(64, 784, dtype=torch.float64).clamp(1e-6, 1 - 1e-6).requires_grad_()
    x = (torch.rand(64, 784, dtype=torch.float64) > 0.5).double()
    ours, theirs = train.binary_cross_entropy_sum(x_hat, x), F.binary_cross_entropy(x_hat, x, reduction="sum")
    assert torch.allclose(ours, theirs)
    g_ours, = torch.autograd.grad(ours, x_hat)
    g_theirs, = torch.autograd.grad(theirs, x_hat)
    assert torch.allclose(g_ours, g_theirs)
    saturated = torch.tensor([0.0, 1.0])  # log(0) is clamped at -100, as in PyTorch
    assert torch.equal(train.binary_cross_entropy_sum(saturated, torch.tensor([1.0, 0.0])),
                       F.binary_cross_entropy(saturated, torch.tensor([1.0, 0.0]), reduction="sum"))


def test_history_keeps_both_terms_of_every_step():
    history = train.fit(VAE(784, 16, 2), _images(300), epochs=2, batch_size=128, progress=False)
    assert len(history.steps) == 2 * 3 and all(len(s) == 2 for s in history.steps)
    last_epoch = history.steps[3:]
    recon = sum(r * n for (r, _), n in zip(last_epoch, [128, 128, 44])) / 300
    assert math.isclose(recon, history[-1]["train_recon"], rel_tol=1e-5)


def test_cache_key_follows_torch_version_and_model_code(monkeypatch, tmp_path):
    build, fit_once = (lambda: VAE(784, 16, 2)), (lambda model: None)
    key = cache.cache_key({"epochs": 1}, build, fit_once)
    assert cache.cache_key({"epochs": 1}, lambda: VAE(784, 16, 2), fit_once) == key  # same code elsewhere: same key
    assert cache.cache_key({"epochs": 2}, build, fit_once) != key
    assert cache.cache_key({"epochs": 1}, lambda: VAE(784, 32, 2), fit_once) != key  # the build changed
    monkeypatch.setattr(torch, "__version__", "9.9.9")
    assert cache.cache_key({"epochs": 1}, build, fit_once) != key  # a torch upgrade retrains
    monkeypatch.undo()
    code = tmp_path / "vae.py"
    code.write_text("# the reference model\n")
    monkeypatch.setattr(cache, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(cache, "MODEL_CODE", ["vae.py"])
    before = cache.cache_key({"epochs": 1}, build, fit_once)
    code.write_text('"""The reference model."""  # reworded: the same code\n')
    assert cache.cache_key({"epochs": 1}, build, fit_once) == before
    code.write_text("HIDDEN = 400  # the reference model, edited by a git pull\n")
    assert cache.cache_key({"epochs": 1}, build, fit_once) != before
    extra = tmp_path / "variant.py"  # a module only some models use: it keys those models alone
    extra.write_text("SCALE = 1  # a variant\n")
    with_extra = cache.cache_key({"epochs": 1}, build, fit_once, code=["variant.py"])
    assert with_extra != cache.cache_key({"epochs": 1}, build, fit_once)
    extra.write_text("SCALE = 2  # a variant, edited\n")
    assert cache.cache_key({"epochs": 1}, build, fit_once, code=["variant.py"]) != with_extra


def test_training_a_cached_model_leaves_the_global_generator_as_loading_does(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_LESSON_CACHE", str(tmp_path))
    draws = []
    for _ in range(2):  # first trains, second loads
        torch.manual_seed(123)
        cache.cached_model("tiny", {}, lambda: VAE(784, 16, 2),
                           lambda model: train.fit(model, _images(128), epochs=1, seed=5, progress=False))
        draws.append(torch.rand(3))
    assert torch.equal(*draws)


def _train_in_another_process(cache_dir, log):
    import os
    os.environ["VAE_LESSON_CACHE"] = str(cache_dir)

    def fit_slowly(model):
        with open(log, "a") as f:
            f.write("trained\n")
        return train.fit(model, _images(256), epochs=2, progress=False)

    cache.cached_model("shared", {"n": 1}, lambda: VAE(784, 16, 2), fit_slowly)


def test_two_processes_asking_for_one_model_train_it_once(tmp_path):
    import multiprocessing
    log = tmp_path / "log.txt"
    context = multiprocessing.get_context("spawn")  # forking after torch used threads can hang
    workers = [context.Process(target=_train_in_another_process, args=(tmp_path, log)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert log.read_text() == "trained\n"
    assert len(list(tmp_path.glob("shared-*.pt"))) == 1 and not list(tmp_path.glob("*.tmp"))


def test_a_model_being_trained_elsewhere_is_not_waited_for_when_asked_not_to(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_LESSON_CACHE", str(tmp_path))
    build, fit_once = (lambda: VAE(784, 16, 2)), (lambda model: train.fit(model, _images(64), progress=False))
    path = tmp_path / f"tiny-{cache.cache_key({}, build, fit_once)}.pt"
    with cache._locked(path):  # another process, as far as flock is concerned: another open file
        assert cache.cached_model("tiny", {}, build, fit_once, wait=False) is None
    assert cache.cached_model("tiny", {}, build, fit_once, wait=False) is not None


def test_models_being_trained_elsewhere_are_taken_last(monkeypatch):
    busy, asked = {"a", "b"}, []  # being trained by another process until this one waits for them

    def fake_trained_vae(*, seed, wait=True):
        asked.append((seed, wait))
        if seed in busy and not wait:
            return None
        busy.discard(seed)
        return f"model {seed}"

    monkeypatch.setattr(cache, "trained_vae", lambda *args, **kw: fake_trained_vae(**kw))
    got = cache.trained_vaes({"a": {"seed": "a"}, "b": {"seed": "b"}, "c": {"seed": "c"}})
    assert got == {"a": "model a", "b": "model b", "c": "model c"} and list(got) == ["a", "b", "c"]
    # c is trained at once; a and b are busy, asked again, then waited for one at a time, first come first
    assert asked == [("a", False), ("b", False), ("c", False), ("a", False), ("b", False), ("a", True),
                     ("b", False), ("b", True)]


def test_asking_for_models_leaves_the_global_generator_as_it_was(monkeypatch):
    def reseeding_trained_vae(*args, seed, wait=True):  # as building a model does, once per time it is asked
        torch.manual_seed(seed)
        return seed

    monkeypatch.setattr(cache, "trained_vae", reseeding_trained_vae)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    cache.trained_vaes({"a": {"seed": 1}, "b": {"seed": 2}})
    assert torch.equal(torch.rand(3), expected)
