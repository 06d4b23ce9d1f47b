"""The buggy variants of chapter 07 are real, and each shows its symptom."""
import pytest
import torch

from vae_lesson import buggy, plot, widgets


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
    # The first step sees the same weights and batch: the mean-reduced KL is the per-example KL over 20 dims.
    assert abs(correct.history.steps[0][1] - mean_bug.history.steps[0][1] * 20) < 1e-4 * correct.history.steps[0][1]


def test_mean_reduced_steps_have_no_spike_at_a_short_last_batch():
    run = buggy.run("mean-reduction", _images(32 * 8 + 1), epochs=1)  # the last batch holds one image
    assert len(run.history.steps) == 9 and run.history.steps[-1][0] < 1.5 * run.history.steps[-2][0]


def test_mystery_a_computes_twice_the_courses_kl():
    run = buggy.run(None, _images(), epochs=1, changes=buggy.MYSTERIES["A"], name="A")
    own, course = buggy.kl_two_ways(run, _images(64))
    assert abs(own - 2 * course) < 1e-5 * course
    correct = buggy.run(None, _images(), epochs=1)
    assert buggy.kl_two_ways(correct, _images(64))[0] == buggy.kl_two_ways(correct, _images(64))[1]


def test_mystery_b_never_zeroes_its_gradients():
    model = buggy.BuggyVAE()
    buggy.MYSTERIES["B"]["train"](model, _images(96), epochs=1, batch_size=32, lr=0.0)  # lr 0: weights stay
    summed = model.encoder.mu.weight.grad.clone()
    model.zero_grad()
    x = _images(96)[:32].flatten(1)
    torch.manual_seed(1)
    sum(buggy.mse_terms(*model(x)[:1], x, *model(x)[1:])).backward()
    assert summed.norm() > 1.5 * model.encoder.mu.weight.grad.norm()  # three batches' gradients, added up


def test_mystery_c_gives_the_encoder_no_gradient_from_the_decoder():
    model = buggy.BuggyVAE(**{k: v for k, v in buggy.MYSTERIES["C"].items()})
    x = _images(8).flatten(1)
    torch.nn.functional.mse_loss(model(x)[0], x, reduction="sum").backward()
    assert model.encoder.mu.weight.grad is None and model.decoder.out.weight.grad is not None


@pytest.mark.parametrize("values", [[5.0, 20.0, 12.0, 9.0], [30.0, 40.0, 31.0], [40.0, 10.0, -1e5, -1e20, -1e31, -1e17],
                                    [9.0, 1e-5, 3e-5, 2e-4], [0.07, 0.068, 1e-6]])
def test_every_curve_axis_has_three_labelled_ticks_in_view_and_none_overlap(values):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.5, 3))
    ax.plot(values)
    plot._value_axis(ax, values)
    fig.canvas.draw()
    low, high = ax.get_ylim()
    shown = [t for t in ax.get_yticklabels() if low <= t.get_position()[1] <= high and t.get_text()]
    assert len(shown) >= 3, [t.get_text() for t in shown]
    boxes = [t.get_window_extent() for t in shown]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), [t.get_text() for t in shown]
    plt.close(fig)


def test_latent_explorer_redraws_when_a_slider_moves():
    decoder = torch.nn.Sequential(torch.nn.Linear(2, 784), torch.nn.Sigmoid())
    explorer = widgets.latent_explorer(decoder)
    sliders, picture = explorer.children[0].children, explorer.children[1]
    before = picture.value
    sliders[0].value = 2.5
    assert [s.description for s in sliders] == ["z1", "z2"] and picture.value != before
    assert bytes(picture.value).startswith(b"\x89PNG")
