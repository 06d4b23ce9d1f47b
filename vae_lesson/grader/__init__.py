"""The grader: checks that judge an exercise by its behaviour and name the learner's mistake.

check          the checks a notebook calls: check.encoder(Encoder), check.kl_divergence(fn), ...
check_modules  the module exercises (Encoder, Decoder, VAE): the reference's weights mapped onto the learner's layers
check_elbo     chapter 05's ELBO
check_beyond   the exercises of chapters 07-11
pitfalls       every mistake's id, its explanation, and the wrong variants that reproduce it
gradients      gradients judged beside values: where a right value's gradient is cut
seeds          the seeds of the checks' inputs: fixed in a notebook, fresh in each grading run
probe          the one place learner code runs for a check: calls it on the judge's inputs, sends back plain data
learner        the checks' view of learner code: handles, and the data a probe (here or sandboxed) sends back
sandbox        runs learner code in the probe: exceptions at the learner's line, printing swallowed, a time limit
compare        tolerant comparison and the worked example shown on a failure
result         the verdict a check returns, shown in the notebook

The grading command (python -m vae_lesson.grade) uses:
chapters       what grading runs of a notebook, read from its source in solutions/
collect        which of a learner's files is which chapter (LMS names, copies, a nested folder)
config         the instructor's points, rubric, assignments, overrides and roster
supervisor     starts the judge processes, each grading a share of the class
judge          outside any sandbox: runs the checks through a remote probe, makes every verdict
remote         the frames judge and probe exchange (torch.save; read with weights_only)
isolation      the bubblewrap sandbox each learner's probe worker runs in
worker         in the sandbox: imports torch once, forks one probe child per learner notebook
child          in that child: the learner's exercise cells, then the judge's calls, answered as data
integrity      an exercise cell that names the reference package, seen in its source
gradebook      the results as a table, a CSV, feedback files, JSON
exports        the stamp, Gradescope's results.json, an LMS import, the class report, written answers
classroom      generated learners for the tests and the benchmark
"""
