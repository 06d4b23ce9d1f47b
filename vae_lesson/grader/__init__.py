"""The grader: checks that judge an exercise by its behaviour and name the learner's mistake.

check          the checks a notebook calls: check.encoder(Encoder), check.kl_divergence(fn), ...
check_modules  the module exercises (Encoder, Decoder, VAE): the reference's weights mapped onto the learner's layers
check_beyond   the exercises of chapters 06-10
pitfalls       every mistake's id, its explanation, and the wrong variants that reproduce it
sandbox        runs learner code: exceptions at the learner's line, printing swallowed, a time limit
compare        tolerant comparison and the worked example shown on a failure
result         the verdict a check returns, shown in the notebook
"""
