"""The buggy variants of chapter 06 are real, and each shows its symptom."""
import pytest
import torch

from vae_lesson import buggy, widgets


@pytest.fixture(autouse=True)
def private_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_LESSON_CACHE", str(tmp_path))


def _images(n=512):
    return (torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.7).float()


def test_every_pitfall_has_a_variant_with_a_marked_bug(capsys):
    for pitfall in buggy.PITFALL_CHANGES:
        buggy.show_bug(pitfall)
        shown = capsys.readouterr().out
        assert "BUG" in shown, pitfall


def test_variance_for_logvar_stops_at_the_first_step():
    run = buggy.run("logvar-as-variance", _images(), epochs=1)
    assert run.history.diverged and "step 1" in run.history.diverged


def test_missing_sigmoid_leaves_the_pixel_range_and_the_reference_does_not():
    bad = buggy.run("missing-sigmoid", _images(), epochs=2)
    good = buggy.run(None, _images(), epochs=2)
    with torch.no_grad():
        assert bad.model(_images(64))[0].min() < 0
        out = good.model(_images(64))[0]
    assert out.min() >= 0 and out.max() <= 1


def test_flipped_kl_goes_negative():
    run = buggy.run("kl-sign-flipped", _images(), epochs=1)
    assert run.history.steps[-1][1] < 0


def test_runs_are_cached_with_their_step_history():
    first = buggy.run("kl-sign-flipped", _images(), epochs=1)
    again = buggy.run("kl-sign-flipped", _images(), epochs=1)
    assert again.history.steps == first.history.steps and again.history == first.history
    diverged = buggy.run("logvar-as-variance", _images(), epochs=1)
    assert buggy.run("logvar-as-variance", _images(), epochs=1).history.diverged == diverged.history.diverged


def test_same_seed_same_start_so_only_the_bug_differs():
    correct, mean_bug = buggy.run(None, _images(), epochs=1), buggy.run("mean-reduction", _images(), epochs=1)
    # The first step sees the same weights and batch: the KLs differ by the mean's divisor, 128 examples x 20 dims.
    assert abs(correct.history.steps[0][1] - mean_bug.history.steps[0][1] * 128 * 20) < 1e-4 * correct.history.steps[0][1]


def test_latent_explorer_redraws_when_a_slider_moves():
    decoder = torch.nn.Sequential(torch.nn.Linear(2, 784), torch.nn.Sigmoid())
    explorer = widgets.latent_explorer(decoder)
    sliders, picture = explorer.children[0].children, explorer.children[1]
    before = picture.value
    sliders[0].value = 2.5
    assert [s.description for s in sliders] == ["z1", "z2"] and picture.value != before
    assert bytes(picture.value).startswith(b"\x89PNG")
