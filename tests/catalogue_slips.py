"""The catalogue's second part: cut gradients and slips that once got a generic verdict, each named; right code
that looks suspicious. Read through tests/catalogue.py, which appends these to CORRECT and WRONG."""
from tests.catalogue import check, s

CORRECT_SLIPS = [
    (check.encoder, s.EncoderInPlaceRelu), (check.decoder, s.DecoderClonesZ), (check.vae_loss, s.loss_target_detached),
    (check.sample, s.samp_one_at_a_time), (check.kl_divergence, s.kl_closure),
]

WRONG_SLIPS = [
    ("wrong-values", check.interpolate, s.interp_no_start),
    ("wrong-shape", check.vae_loss, s.loss_per_example_recon_plus_kl),
    ("gradient-blocked", check.vae, s.VAELatentsDetached),
    ("wrong-values", check.interpolate, s.interp_lerp),  # weights in float32 whatever the codes' dtype
    ("wrong-values", check.interpolate, s.interp_outer),
    ("wrong-values", check.iwae_estimate, s.iwae_shift_not_restored),
    ("wrong-values", check.iwae_estimate, s.iwae_max_alone),
    ("wrong-log-k", check.iwae_estimate, s.iwae_k_minus_one),
    ("elbo-wrong-constant", check.elbo_estimate, s.elbo_mnist_constant),
    ("elbo-wrong-constant", check.elbo_estimate, s.elbo_d_from_numel),
    ("elbo-wrong-constant", check.elbo_estimate, s.elbo_log_two_pi_only),
    ("elbo-wrong-constant", check.elbo_estimate, s.elbo_log_normal_diag),
    ("wrong-values", check.decoder, s.DecoderNoOutputBias),
    ("grad-clipped", check.train_step, s.ts_clip_norm),
    ("grad-clipped", check.train_step, s.ts_clip_value),
    ("kl-wrong-term", check.kl_divergence, s.kl_mu_unsquared),
    ("kl-wrong-term", check.kl_divergence, s.kl_without_one),
    ("kl-wrong-term", check.kl_divergence, s.kl_variance_as_exp_half),
    ("kl-wrong-term", check.kl_divergence, s.kl_logvar_as_log_std),
    ("kl-reversed", check.kl_divergence, s.kl_prior_from_posterior),
    ("kl-monte-carlo", check.kl_divergence, s.kl_one_sample),
    ("wrong-reconstruction", check.vae_loss, s.loss_half_squared_error),
    ("wrong-reconstruction", check.vae_loss, s.loss_norm),
    ("kl-missing-exp", check.vae_loss, s.loss_inline_kl_without_exp),
    ("kl-sign-flipped", check.vae_loss, s.loss_kl_subtracted),
    ("wrong-values", check.encoder, s.EncoderReluOnMu),
    ("noise-not-randn-like", check.sample, s.samp_zeros),
    ("model-built", check.parameter_count, s.count_by_building),
    ("model-built", check.parameter_count, s.count_with_linears),
    ("wrong-shape", check.parameter_count, s.count_true_division),
    ("wrong-shape", check.kl_divergence, s.kl_keepdim),
    ("gradient-blocked", check.encoder, s.EncoderLogvarDetached),
    ("gradient-blocked", check.encoder, s.EncoderHiddenNoGrad),
    ("gradient-blocked", check.encoder, s.EncoderHiddenData),
    ("gradient-blocked", check.decoder, s.DecoderDetachesZ),
    ("gradient-blocked", check.decoder, s.DecoderOutputDetached),
    ("gradient-blocked", check.decoder, s.DecoderHiddenNoGrad),
    ("gradient-blocked", check.kl_divergence, s.kl_mu_detached),
    ("gradient-blocked", check.kl_divergence, s.kl_variance_through_numpy),
    ("gradient-blocked", check.vae_loss, s.loss_x_hat_detached),
    ("gradient-blocked", check.vae_loss, s.loss_latents_detached),
    ("gradient-blocked", check.elbo_estimate, s.elbo_logvar_detached),
    ("gradient-blocked", check.elbo_estimate, s.elbo_under_no_grad),
]
