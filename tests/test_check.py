"""The grader tested both ways: every correct submission passes, every known-wrong one gets its pitfall id."""
import re

import pytest

import solutions
from solutions import beyond
import torch

from tests.catalogue import CORRECT, WRONG, D, E1, s
from vae_lesson import check
from vae_lesson.grader import sandbox


def _name(v):
    return getattr(v, "__name__", str(v))


@pytest.mark.parametrize("run_check, submission", CORRECT, ids=[f"{c.__name__}-{_name(x)}" for c, x in CORRECT])
def test_correct_submission_passes(run_check, submission):
    result = run_check(submission)
    assert result.passed, repr(result)
    assert result.pitfall is None and result.implementation is submission


@pytest.mark.parametrize("pitfall, run_check, submission", WRONG,
                         ids=[f"{p}-{c.__name__}-{_name(x)}" for p, c, x in WRONG])
def test_wrong_submission_is_named(pitfall, run_check, submission, monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 0.5)  # the endless loop need not take the full 5 s
    result = run_check(submission)
    assert not result.passed
    assert result.pitfall == pitfall, repr(result)
    assert result.pitfall in check.PITFALLS
    assert result.implementation is result.reference  # the reference stands in
    assert "Traceback" not in result.message and "vae_lesson" not in result.message
    shown = "\n".join(line for line in repr(result).splitlines() if " of your code: " not in line)
    assert not [fix for fix in FIXES.get(result.exercise, ()) if fix in shown], shown


# Code that would mend a mistake, by exercise: a failure names what the code did and why it is wrong, and leaves
# the mending to the learner (and to check.hint, in steps). Lines quoting the learner's own code are not searched.
FIXES = {
    "reparameterize": ["exp(0.5 * logvar)", "randn_like(", "inside the exp", "exponential of half", "rsample()"],
    "vae": ["randn_like(", "flatten(1)", "flatten(start_dim=1)"],
    "decoder": ["sigmoid("],
    "vae_loss": ["reduction='sum'", "torch.sum for"],
    "elbo_estimate": ["log(2 * pi * sigma2)", "exp(0.5 * logvar)", "(dim=1)", "sigma2 ** 0.5"],
    "train_step": ["optimizer.zero_grad() once", "(model.train())", "call optimizer", "Python float, loss.item()",
                   "(loss.item())",
                   "the order is"],
    "sample": ["no_grad():", "under torch.no_grad()", "decoder(z)", "next(decoder.parameters())", "is torch.randn",
               "torch.randn(...)", "torch.randn, so"],
    "parameter_count": ["`//`", "int()"],
    "interpolate": ["linspace(", "unsqueeze(", "[:, None]"],
    "condition": ["one_hot(labels, num_classes", "Give F.one_hot"],
    "iwae_estimate": ["shape[0]", "logsumexp(", "log(sum_i"],
}


def test_every_required_pitfall_is_caught_by_two_wrong_submissions():
    required = ["logvar-as-variance", "std-not-exponentiated", "std-missing-half", "noise-not-randn-like", "no-noise",
                "no-gradient", "missing-sigmoid", "kl-sign-flipped", "kl-missing-half", "mean-reduction",
                "missing-kl-term", "missing-reconstruction-term", "grad-not-zeroed", "no-optimizer-step", "no-backward",
                "loss-item-before-backward", "model-in-eval-mode", "step-before-backward", "grad-zeroed-before-step",
                "no-grad-in-training", "returns-tensor", "sample-builds-graph", "sample-wrong-dtype",
                "sample-not-fresh", "elbo-missing-constant", "elbo-summed-over-batch", "elbo-wrong-variance",
                "elbo-is-loss"]
    counts = {p: sum(1 for q, _, _ in WRONG if q == p) for p in required}
    assert all(n >= 2 for n in counts.values()), counts


def test_every_exercise_has_four_differently_written_correct_submissions():
    counts = {}
    for c, x in CORRECT:
        reference = x in vars(solutions).values() or x in vars(beyond).values()
        counts[c.__name__] = counts.get(c.__name__, 0) + (not reference)
    assert len(counts) == 14 and all(n >= 4 for n in counts.values()), counts


# (check, submission, what the message must say, what it must not say): the message names what the code does.
MESSAGES = [
    (check.vae_loss, s.loss_batch_averaged, ["divided by 8, the batch size", "keeps the balance"], ["shifts"]),
    (check.vae_loss, s.loss_per_example_mean, ["the batch size", "keeps the balance"], ["shifts"]),
    (check.vae_loss, s.loss_pixel_averaged, ["divided by 96", "keeps the balance"], ["shifts"]),
    (check.kl_divergence, s.kl_batch_mean, ["divided by 8, the batch size", "8 times less"], []),
    (check.kl_divergence, s.kl_mean, ["divided by 24", "24 times less"], []),
    (check.vae_loss, s.loss_mse_default, ["shifts the weight of one against the other"], ["keeps the balance"]),
    (check.vae_loss, s.loss_kl_mean, ["shifts the weight of one against the other"], ["keeps the balance"]),
    (check.reparameterize, s.rep_no_eps, ["eps is missing"], ["eps = 1"]),
    (check.reparameterize, s.rep_no_eps_2, ["eps is missing"], ["eps = 1"]),
    (check.reparameterize, s.rep_half_variance,
     ["0.5 * exp(logvar), half the variance", "not by the variance or a fraction of it"],
     ["inside the exp"]),
    (check.reparameterize, s.rep_unscaled, ["scale is wrong", "(1.79 times)", "multiplied by the standard deviation"], ["no noise"]),
    (check.reparameterize, s.rep_half_std, ["scale is wrong", "(0.50 times)", "(0.52 times)"], ["no noise"]),
    (check.reparameterize, s.rep_matmul, ["elementwise", "cannot be multiplied"], []),
    (check.reparameterize, s.rep_eps_transposed, ["elementwise", "must match the size"], []),
    (check.reparameterize, s.rep_transposed, ["transposed", "(40, 50)"], []),
    (check.vae, s.VAEExamplesView784, ["hard-codes 784", "input_dim=12", "needs no size"], ["must flatten"]),
    (check.vae, s.make_vae(E1, D, s.rep_rsample, flatten=lambda x: x), ["must flatten"], ["784"]),
    (check.condition, s.cond_one_hot_no_num_classes,
     ["largest label is 5", "6 positions", "num_classes passed in (10)"],
     []),
    (check.condition, s.cond_eye_by_max, ["num_classes passed in (10)"], []),
    (check.interpolate, s.interp_no_unsqueeze, ["shape (steps,)", "cannot broadcast"], []),
    (check.interpolate, s.interp_lerp_flat, ["shape (steps,)"], []),
    (check.vae, s.VAEExamplesDecodesMu, ["z equals mu"], ["eval mode"]),
    (check.vae, s.make_vae(E1, D, s.rep_std_not_exp), ["in your VAE's sampling you used std = 0.5 * logvar"], []),
    (check.vae, s.VAEExamplesRandnSize, ["float32 precision", "follow std's dtype"], []),
    (check.vae, s.VAEExamplesReturnsStd, ["mu is right", "never negative"], []),
    (check.vae, s.VAEExamplesSwappedReturn, ["x_hat is right", "mu and logvar differ", "in this order"], []),
    (check.decoder, s.DecoderNoRelu, ["the ReLU after the hidden layer is missing"], []),
    (check.decoder, s.DecoderSequentialNoRelu, ["the ReLU after the hidden layer is missing"], []),
    (check.encoder, s.EncoderNoRelu, ["mu differs", "the ReLU after the hidden layer is missing"], []),
    (check.encoder, s.EncoderFc21NoRelu, ["mu differs", "the ReLU after the hidden layer is missing"], []),
    (check.encoder, s._encoder_with(torch.exp, base=E1), ["mu is right", "never negative"], ["ReLU after the"]),
    (check.encoder, s._encoder_with(torch.relu), ["mu is right", "never negative"], ["ReLU after the"]),
    (check.encoder, s.EncoderNoReturn, ["returned None", "`return` missing"], []),
    (check.elbo_estimate, s.elbo_hard_coded_half, ["sigma2=0.2", "is ignored"], []),
    (check.elbo_estimate, s.elbo_batch_mean, ["one number for a batch of 5 examples"], []),
    (check.elbo_estimate, s.elbo_per_pixel, ["one value per pixel", "D = 12"], []),
    (check.elbo_estimate, s.elbo_mse_default, ["a mean where the ELBO sums", "sigma2 = 0.5"], ["balance"]),
]


@pytest.mark.parametrize("run_check, submission, says, does_not_say", MESSAGES,
                         ids=[f"{c.__name__}-{_name(x)}" for c, x, _, _ in MESSAGES])
def test_message_says_what_the_code_does(run_check, submission, says, does_not_say):
    message = run_check(submission).message
    assert all(words in message for words in says), message
    assert not any(words in message for words in does_not_say), message


@pytest.mark.parametrize("pitfall, run_check, submission", WRONG,
                         ids=[f"{p}-{c.__name__}-{_name(x)}" for p, c, x in WRONG])
def test_a_worked_example_shows_a_difference(pitfall, run_check, submission, monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 0.5)
    message = run_check(submission).message
    expected = re.findall(r"expected (.+?) = (\[[^]]*\])", message)
    got = dict(re.findall(r"got +(.+?) = (\[[^]]*\])", message))
    assert all(got.get(what) != value for what, value in expected), message


def test_a_wrong_guess_at_the_bug_is_answered_with_that_bugs_symptom():
    result = check.spot_the_bug(s.spot_wrong)
    assert "not kl-sign-flipped" in result.message and "below zero" in result.message


def test_raised_error_points_at_the_learners_line():
    result = check.reparameterize(s.rep_raises)
    assert "view(3, -1, 7)" in result.message and "line" in result.message


def test_result_shows_as_plain_text_html_and_a_record_for_the_grader():
    result = check.decoder(s.DecoderNoSigmoid)
    bundle = result._repr_mimebundle_()
    assert bundle["text/plain"].startswith("FAILED decoder [missing-sigmoid]")
    assert "stands in" in bundle["text/plain"] and "FAILED" in bundle["text/html"]
    assert bundle["application/vnd.vae-lesson.check+json"] == {
        "exercise": "decoder", "passed": False, "pitfall": "missing-sigmoid"}


@pytest.mark.parametrize("run_check, submission", [
    (check.reparameterize, solutions.reparameterize), (check.vae, solutions.VAE), (check.encoder, solutions.Encoder),
    (check.vae_loss, s.loss_per_example)], ids=lambda v: _name(v))
def test_a_check_leaves_the_learners_random_generator_as_it_found_it(run_check, submission):
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    run_check(submission)
    assert torch.equal(torch.rand(3), expected)  # the cells after a check draw what they drew before


def test_a_worked_example_is_taken_where_the_values_differ():
    from vae_lesson.grader.compare import example
    expected = torch.arange(24.).reshape(3, 8)
    got = expected.clone()
    got[2, 5] = -1.0  # neither in the first row nor among the first four values
    message = example("logvar", {"x": torch.zeros(3, 2), "t": torch.ones(5)}, expected, got)
    assert "x[2] = [0.0000, 0.0000]" in message and "t = [1.0000" in message
    assert "expected logvar[2, 5:] = [21.0000, 22.0000, 23.0000]" in message
    assert "got      logvar[2, 5:] = [-1.0000, 22.0000, 23.0000]" in message
    got = expected.clone()
    got[0, 1] = -1.0  # among the first values: shown as they are
    assert "got      logvar = [0.0000, -1.0000, 2.0000, 3.0000, ...]" in example("logvar", {}, expected, got)


def test_a_second_fault_behind_a_hard_coded_size_is_named_too():
    both = check.sample(s.samp_latent_20_with_graph)
    assert both.pitfall == "wrong-shape" and "Also" in both.message and "sample-builds-graph" in both.message
    one = check.sample(s.samp_latent_20)  # decodes under no_grad: only the size is wrong
    assert one.pitfall == "wrong-shape" and "Also" not in one.message


def test_slips_are_named_in_words_that_fit_where_they_are():
    assert "the 1 is missing" in check.kl_divergence(s.kl_without_one).message
    assert "changes from call to call" in check.kl_divergence(s.kl_one_sample).message
    loss = check.vae_loss(s.loss_kl_subtracted)
    assert "enters your loss with a minus sign" in loss.message and "yours is" not in loss.message
    assert "ReLU after its head" in check.encoder(s.EncoderReluOnMu).message
    assert "every code is the same number, 0" in check.sample(s.samp_zeros).message


def test_a_layer_without_bias_and_a_clipped_step_are_said_in_words():
    assert "has no bias (bias=False)" in check.decoder(s.DecoderNoOutputBias).message
    assert "clip_grad_norm_" in check.train_step(s.ts_clip_norm).message
    assert "clip_grad_value_" in check.train_step(s.ts_clip_value).message


def test_iwae_slips_get_words_not_only_numbers():
    assert "never add that shift back" in check.iwae_estimate(s.iwae_shift_not_restored).message
    assert "largest log-weight alone" in check.iwae_estimate(s.iwae_max_alone).message
    assert "log(k - 1)" in check.iwae_estimate(s.iwae_k_minus_one).message


def test_a_per_example_loss_and_a_path_missing_its_start_are_said_precisely():
    assert "one value per example" in check.vae_loss(s.loss_per_example_recon_plus_kl).message
    assert "first row" in check.interpolate(s.interp_no_start).message
