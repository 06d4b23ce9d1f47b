"""The grader tested both ways: every correct submission passes, every known-wrong one gets its pitfall id."""
import time
from types import SimpleNamespace

import pytest

import solutions
from solutions import beyond
from tests import submissions_beyond, submissions_functions, submissions_losses, submissions_modules

# The whole catalogue under one name: s.<submission>.
s = SimpleNamespace(**{k: v for m in (submissions_modules, submissions_functions, submissions_losses,
                                      submissions_beyond) for k, v in vars(m).items()})
from vae_lesson import check
from vae_lesson.grader import sandbox

E, D = s.EncoderLogvarHeadFirst, s.DecoderFunctional
E1 = s.EncoderFc21  # mu's head first: the weight plan tried last swaps the heads
torch = __import__("torch")

CORRECT = [
    (check.encoder, solutions.Encoder), (check.encoder, s.EncoderSequentialFusedHead),
    (check.encoder, s.EncoderLogvarHeadFirst), (check.encoder, s.EncoderModuleList),
    (check.encoder, s.EncoderFusedLogvarFirst), (check.encoder, s.EncoderFc21),
    (check.decoder, solutions.Decoder), (check.decoder, s.DecoderSequential), (check.decoder, s.DecoderFunctional),
    (check.decoder, s.DecoderManualSigmoid), (check.decoder, s.DecoderPrinting),
    (check.reparameterize, solutions.reparameterize), (check.reparameterize, s.rep_exp_half),
    (check.reparameterize, s.rep_mul_exp), (check.reparameterize, s.rep_randn_explicit),
    (check.reparameterize, s.rep_rsample), (check.reparameterize, s.rep_sqrt_exp),
    (check.reparameterize, s.rep_normal_tensors),
    (check.kl_divergence, solutions.kl_divergence), (check.kl_divergence, s.kl_expanded),
    (check.kl_divergence, s.kl_distributions), (check.kl_divergence, s.kl_per_example_then_sum),
    (check.kl_divergence, s.kl_with_std),
    (check.vae_loss, solutions.vae_loss), (check.vae_loss, s.loss_functional), (check.vae_loss, s.loss_manual),
    (check.vae_loss, s.loss_module), (check.vae_loss, s.loss_per_example), (check.vae_loss, s.loss_none_reduction),
    (check.vae, solutions.VAE), (check.vae, s.VAEFlat), (check.vae, s.make_vae(E, D, s.rep_rsample)),
    (check.vae, s.make_vae(s.EncoderSequentialFusedHead, s.DecoderSequential, s.rep_exp_half)),
    (check.vae, s.make_vae(s.EncoderModuleList, s.DecoderManualSigmoid, s.rep_randn_explicit,
                           flatten=lambda x: x.reshape(len(x), -1))),
    (check.vae, s.VAEExamples), (check.vae, s.make_vae(E1, D, s.rep_normal_tensors, flatten=lambda x: x.flatten(1))),
    (check.interpolate, beyond.interpolate), (check.interpolate, s.interp_lerp), (check.interpolate, s.interp_loop),
    (check.interpolate, s.interp_arange), (check.interpolate, s.interp_outer),
    (check.interpolate, s.interp_view_column),
    (check.spot_the_bug, beyond.spot_the_bug), (check.spot_the_bug, s.spot_plain),
    (check.spot_the_bug, s.spot_variable), (check.spot_the_bug, s.spot_lookup), (check.spot_the_bug, s.spot_stripped),
    (check.iwae_estimate, beyond.iwae_estimate), (check.iwae_estimate, s.iwae_manual_max),
    (check.iwae_estimate, s.iwae_logmeanexp), (check.iwae_estimate, s.iwae_numpy_style),
    (check.iwae_estimate, s.iwae_float64),
    (check.condition, beyond.condition), (check.condition, s.cond_eye), (check.condition, s.cond_scatter),
    (check.condition, s.cond_compare), (check.condition, s.cond_loop), (check.condition, s.cond_index_fill),
    (check.parameter_count, beyond.parameter_count), (check.parameter_count, s.count_layers),
    (check.parameter_count, s.count_expanded), (check.parameter_count, s.count_by_building),
    (check.parameter_count, s.count_tensor),
]

WRONG = [
    ("logvar-as-variance", check.encoder, s._encoder_with(lambda lv: lv.exp())),
    ("logvar-as-variance", check.encoder, s._encoder_with(lambda lv: (0.5 * lv).exp())),
    ("logvar-as-variance", check.encoder, s._encoder_with(torch.relu)),
    ("logvar-as-variance", check.encoder, s._encoder_with(torch.nn.functional.softplus)),
    ("logvar-as-variance", check.encoder, s._encoder_with(torch.exp, base=E1)),
    ("logvar-as-variance", check.encoder, s._encoder_with(torch.nn.functional.softplus, base=E1)),
    ("logvar-as-variance", check.encoder, s._encoder_with(torch.relu, base=E1)),
    ("logvar-as-variance", check.reparameterize, s.rep_sqrt_logvar),
    ("logvar-as-variance", check.reparameterize, s.rep_log_logvar),
    ("logvar-as-variance", check.kl_divergence, s.kl_logvar_as_var),
    ("logvar-as-variance", check.vae, s.VAEExamplesReturnsStd),
    ("std-not-exponentiated", check.reparameterize, s.rep_std_not_exp),
    ("std-not-exponentiated", check.reparameterize, s.rep_std_not_exp_2),
    ("std-not-exponentiated", check.vae, s.make_vae(E, D, s.rep_std_not_exp)),
    ("std-not-exponentiated", check.vae, s.make_vae(E1, D, s.rep_std_not_exp)),
    ("std-not-exponentiated", check.vae, s.make_vae(s.EncoderSequentialFusedHead, D, s.rep_std_not_exp_2)),
    ("std-missing-half", check.reparameterize, s.rep_missing_half),
    ("std-missing-half", check.reparameterize, s.rep_missing_half_2),
    ("std-missing-half", check.reparameterize, s.rep_half_variance),
    ("std-missing-half", check.reparameterize, s.rep_half_variance_2),
    ("std-missing-half", check.vae, s.make_vae(E, D, s.rep_missing_half)),
    ("std-missing-half", check.vae, s.make_vae(E1, D, s.rep_missing_half_2)),
    ("std-missing-half", check.vae, s.make_vae(E1, D, s.rep_half_variance)),
    ("noise-not-randn-like", check.reparameterize, s.rep_rand_like),
    ("noise-not-randn-like", check.reparameterize, s.rep_randn_float32),
    ("noise-not-randn-like", check.reparameterize, s.rep_randn_batch_latent),
    ("noise-not-randn-like", check.vae, s.make_vae(E1, D, s.rep_rand_like)),
    ("noise-not-randn-like", check.vae, s.VAEExamplesRandLike),
    ("noise-not-randn-like", check.vae, s.make_vae(E1, D, s.rep_randn_batch_latent)),
    ("noise-not-randn-like", check.vae, s.make_vae(E, D, s.rep_randn_float32)),
    ("noise-not-randn-like", check.vae, s.VAEExamplesRandnSize),
    ("noise-not-randn-like", check.vae, s.VAEExamplesNormalShape),
    ("no-noise", check.reparameterize, s.rep_mu_only),
    ("no-noise", check.reparameterize, s.rep_no_eps),
    ("no-noise", check.reparameterize, s.rep_no_eps_2),
    ("no-noise", check.vae, s.make_vae(E, D, s.rep_mu_only)),
    ("no-noise", check.vae, s.make_vae(E1, D, s.rep_mu_only)),
    ("no-noise", check.vae, s.VAEExamplesDecodesMu),
    ("no-noise", check.vae, s.make_vae(E1, D, s.rep_no_eps)),
    ("no-noise", check.vae, s.make_vae(E, D, s.rep_rsample, mu_in_eval=True)),
    ("no-gradient", check.reparameterize, s.rep_sample),
    ("no-gradient", check.reparameterize, s.rep_detach),
    ("no-gradient", check.reparameterize, s.rep_no_grad),
    ("no-gradient", check.kl_divergence, s.kl_item),
    ("no-gradient", check.vae, s.make_vae(E, D, s.rep_sample)),
    ("missing-sigmoid", check.decoder, s.DecoderNoSigmoid),
    ("missing-sigmoid", check.decoder, s.DecoderTanh),
    ("missing-sigmoid", check.vae, s.make_vae(E, s.DecoderNoSigmoid, s.rep_rsample)),
    ("missing-sigmoid", check.vae, s.make_vae(E1, s.DecoderNoSigmoid, s.rep_rsample)),
    ("kl-sign-flipped", check.kl_divergence, s.kl_sign),
    ("kl-sign-flipped", check.kl_divergence, s.kl_sign_2),
    ("kl-sign-flipped", check.vae_loss, s.loss_kl_sign),
    ("kl-sign-flipped", check.vae_loss, s.loss_kl_sign_2),
    ("kl-missing-half", check.kl_divergence, s.kl_no_half),
    ("kl-missing-half", check.kl_divergence, s.kl_no_half_2),
    ("kl-missing-half", check.vae_loss, s.loss_kl_no_half),
    ("kl-missing-half", check.vae_loss, s.loss_kl_no_half_2),
    ("mean-reduction", check.kl_divergence, s.kl_mean),
    ("mean-reduction", check.kl_divergence, s.kl_batch_mean),
    ("mean-reduction", check.vae_loss, s.loss_mse_default),
    ("mean-reduction", check.vae_loss, s.loss_kl_mean),
    ("mean-reduction", check.vae_loss, s.loss_both_mean),
    ("mean-reduction", check.vae_loss, s.loss_batch_averaged),
    ("mean-reduction", check.vae_loss, s.loss_per_example_mean),
    ("mean-reduction", check.vae_loss, s.loss_pixel_averaged),
    ("missing-kl-term", check.vae_loss, s.loss_no_kl),
    ("missing-kl-term", check.vae_loss, s.loss_no_kl_2),
    ("missing-reconstruction-term", check.vae_loss, s.loss_no_recon),
    ("missing-reconstruction-term", check.vae_loss, s.loss_no_recon_2),
    ("bce-instead-of-mse", check.vae_loss, s.loss_bce),
    ("wrong-values", check.encoder, s.EncoderNoRelu),
    ("wrong-values", check.encoder, s.EncoderFc21NoRelu),
    ("wrong-values", check.decoder, s.DecoderNoRelu),
    ("wrong-values", check.decoder, s.DecoderSequentialNoRelu),
    ("wrong-values", check.reparameterize, s.rep_unscaled),
    ("wrong-values", check.reparameterize, s.rep_half_std),
    ("wrong-shape", check.encoder, s.EncoderOneOutput),
    ("wrong-shape", check.encoder, s.EncoderNoReturn),
    ("wrong-shape", check.encoder, s.EncoderReturnsHidden),
    ("wrong-shape", check.decoder, s.DecoderReturnsLogits),
    ("wrong-shape", check.reparameterize, s.rep_none),
    ("wrong-shape", check.reparameterize, s.rep_wrong_shape),
    ("wrong-shape", check.reparameterize, s.rep_tuple),
    ("wrong-shape", check.reparameterize, s.rep_matmul),
    ("wrong-shape", check.reparameterize, s.rep_eps_transposed),
    ("wrong-shape", check.reparameterize, s.rep_transposed),
    ("wrong-shape", check.kl_divergence, s.kl_per_example),
    ("wrong-shape", check.kl_divergence, s.kl_matmul),
    ("wrong-shape", check.kl_divergence, s.kl_tuple),
    ("wrong-shape", check.vae_loss, s.loss_tuple),
    ("wrong-shape", check.vae_loss, s.loss_none),
    ("wrong-shape", check.vae, s.make_vae(E, D, s.rep_rsample, flatten=lambda x: x)),
    ("wrong-shape", check.vae, s.make_vae(E1, D, s.rep_rsample, flatten=lambda x: x.view(-1, 784))),
    ("wrong-shape", check.vae, s.make_vae(E1, D, s.rep_rsample, flatten=lambda x: x.view(x.size(0), 28 * 28))),
    ("wrong-shape", check.vae, s.VAEExamplesView784),
    ("wrong-shape", check.vae, s.VAEExamplesXHatOnly),
    ("wrong-shape", check.vae, s.VAEExamplesNoReturn),
    ("not-implemented", check.encoder, s.EncoderStub),
    ("not-implemented", check.reparameterize, s.rep_stub),
    ("raised", check.reparameterize, s.rep_raises),
    ("modified-input", check.reparameterize, s.rep_in_place),
    ("modified-input", check.vae_loss, s.loss_in_place),
    ("too-slow", check.reparameterize, s.rep_slow),
    ("wrong-values", check.reparameterize, s.rep_nan),
    ("wrong-values", check.interpolate, s.interp_no_end),
    ("wrong-values", check.interpolate, s.interp_reversed),
    ("wrong-shape", check.interpolate, s.interp_list),
    ("wrong-shape", check.interpolate, s.interp_one_extra),
    ("wrong-shape", check.interpolate, s.interp_no_unsqueeze),
    ("wrong-shape", check.interpolate, s.interp_lerp_flat),
    ("wrong-shape", check.interpolate, s.interp_none),
    ("wrong-values", check.spot_the_bug, s.spot_wrong),
    ("wrong-values", check.spot_the_bug, s.spot_unknown),
    ("wrong-shape", check.spot_the_bug, s.spot_not_a_string),
    ("no-logsumexp", check.iwae_estimate, s.iwae_naive),
    ("no-logsumexp", check.iwae_estimate, s.iwae_naive_sum),
    ("missing-log-k", check.iwae_estimate, s.iwae_no_log_k),
    ("missing-log-k", check.iwae_estimate, s.iwae_no_log_k_2),
    ("elbo-not-iwae", check.iwae_estimate, s.iwae_mean_of_logs),
    ("elbo-not-iwae", check.iwae_estimate, s.iwae_mean_of_logs_2),
    ("wrong-shape", check.iwae_estimate, s.iwae_wrong_dim),
    ("wrong-shape", check.iwae_estimate, s.iwae_float),
    ("label-not-one-hot", check.condition, s.cond_raw_label),
    ("label-not-one-hot", check.condition, s.cond_scaled_label),
    ("label-not-one-hot", check.condition, s.cond_one_hot_no_num_classes),
    ("label-not-one-hot", check.condition, s.cond_eye_by_max),
    ("wrong-values", check.condition, s.cond_label_first),
    ("wrong-shape", check.condition, s.cond_none),
    ("wrong-shape", check.condition, s.cond_tuple),
    ("missing-biases", check.parameter_count, s.count_no_biases),
    ("missing-biases", check.parameter_count, s.count_no_biases_2),
    ("wrong-values", check.parameter_count, s.count_one_head),
    ("wrong-shape", check.parameter_count, s.count_string),
    ("wrong-shape", check.parameter_count, s.count_none),
]

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


def test_every_required_pitfall_is_caught_by_two_wrong_submissions():
    required = ["logvar-as-variance", "std-not-exponentiated", "std-missing-half", "noise-not-randn-like", "no-noise",
                "no-gradient", "missing-sigmoid", "kl-sign-flipped", "kl-missing-half", "mean-reduction",
                "missing-kl-term", "missing-reconstruction-term"]
    counts = {p: sum(1 for q, _, _ in WRONG if q == p) for p in required}
    assert all(n >= 2 for n in counts.values()), counts


def test_every_exercise_has_four_differently_written_correct_submissions():
    counts = {}
    for c, x in CORRECT:
        reference = x in vars(solutions).values() or x in vars(beyond).values()
        counts[c.__name__] = counts.get(c.__name__, 0) + (not reference)
    assert len(counts) == 11 and all(n >= 4 for n in counts.values()), counts


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


@pytest.mark.parametrize("run_check, submission", [(c, x) for c, x in CORRECT
                                                   if x in vars(solutions).values() or x in vars(beyond).values()],
                         ids=lambda v: _name(v))
def test_each_check_is_fast_on_correct_code(run_check, submission):
    run_check(submission)  # warm-up: first calls pay for lazy imports
    start = time.perf_counter()
    run_check(submission)
    assert time.perf_counter() - start < 2.0  # generous here; bench.py reports the real figure against 0.5 s
