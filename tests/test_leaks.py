"""Stubs say what, never how: no learner exercise cell holds a line of its solution, even paraphrased."""
import json

import pytest

from tests.leaks import exercise_cells, leak, solution_lines, tokens
from vae_lesson import build

KL_SOLUTION = "return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())"

# The `# Hint:` lines the stubs used to carry, each beside a line of its solution block.
OLD_HINTS = [
    ("one nn.Linear(input_dim, hidden_dim), then two heads nn.Linear(hidden_dim, latent_dim)",
     "self.hidden = nn.Linear(input_dim, hidden_dim)"),
    ("std = exp(0.5 * logvar); eps = torch.randn_like(std); return mu + std * eps", "std = torch.exp(0.5 * logvar)"),
    ("nn.Linear(latent_dim, hidden_dim), then nn.Linear(hidden_dim, output_dim)",
     "self.hidden = nn.Linear(latent_dim, hidden_dim)"),
    ("-0.5 * torch.sum(1 + logvar - mu^2 - exp(logvar))", KL_SOLUTION),
    ("F.mse_loss(x_hat, x, reduction='sum') + kl_divergence(mu, logvar)",
     'return F.mse_loss(x_hat, x, reduction="sum") + kl_divergence(mu, logvar)'),
    ("self.encoder = Encoder(...); self.decoder = Decoder(...)",
     "self.encoder = Encoder(input_dim, hidden_dim, latent_dim)"),
    ("flatten x, encode to (mu, logvar), z = reparameterize(mu, logvar), decode z", "z = reparameterize(mu, logvar)"),
    ("t = torch.linspace(0, 1, steps).unsqueeze(1); return (1 - t) * z_start + t * z_end",
     "return (1 - t) * z_start + t * z_end"),
    ("torch.cat([v, F.one_hot(labels, num_classes).to(v.dtype)], dim=1)",
     "one_hot = torch.nn.functional.one_hot(labels, num_classes).to(v.dtype)"),
    ("encoder D*H + H + 2*(H*Z + Z), decoder Z*H + H + H*D + D",
     "return (D * H + H + 2 * (H * Z + Z)) + (Z * H + H + H * D + D)"),
]


def test_canonical_tokens_ignore_spaces_prefixes_and_power_spellings():
    assert tokens("mu.pow(2)") == tokens("mu ** 2") == tokens("mu^2") == ["mu", "^", "2"]
    assert tokens("logvar.exp()") == tokens("torch.exp( logvar )") == ["exp", "(", "logvar", ")"]
    assert tokens("F.one_hot(y)") == tokens("torch.nn.functional.one_hot(y)")


@pytest.mark.parametrize("text", ["-0.5 * torch.sum(1 + logvar - mu^2 - exp(logvar))",
                                  "return -0.5*(1 + logvar - mu**2 - torch.exp(logvar)).sum()"])
def test_a_paraphrase_of_the_kl_is_caught(text):
    assert leak(text, [KL_SOLUTION])


@pytest.mark.parametrize("hint, line", OLD_HINTS, ids=[h[:30] for h, _ in OLD_HINTS])
def test_each_old_hint_would_be_caught_in_its_stub(hint, line):
    source = f"def f():\n    {build.BEGIN}\n    # Task: {hint}\n    {line}\n    {build.END}\n"
    stub = build.stub_source(source)
    assert leak(stub, solution_lines(source)), stub


def test_a_task_in_words_is_not_a_leak():
    task = "return the KL divergence of each Gaussian from N(0, I), summed over batch and latent dimensions"
    assert leak(task, [KL_SOLUTION]) is None


def test_a_short_solution_line_leaks_only_whole():
    assert leak('return "mean-reduction"', ['return "mean-reduction"'])
    assert leak("return the pitfall's id, e.g. 'kl-sign-flipped'", ['return "mean-reduction"']) is None


@pytest.mark.parametrize("src, dst", build.pairs(), ids=lambda p: p.name)
def test_learner_exercise_cells_hold_no_solution_line(src, dst):
    learner = {c["id"]: "".join(c["source"]) for c in json.loads(dst.read_text())["cells"]}
    for cell_id, source in exercise_cells(src).items():
        found = leak(learner[cell_id], solution_lines(source))
        assert found is None, f"{dst.name} cell {cell_id} gives away solution code: {found!r}"


def test_no_pitfall_message_spells_a_whole_solution_line():
    """Feedback names the mistake; it may name the one call that is missing (`loss.backward()`), but it never
    spells a whole computation of an exercise's solution (a line with three names or more, `return` aside)."""
    from vae_lesson.grader.pitfalls import PITFALLS
    lines = [line.removeprefix("return ") for path in sorted((build.REPO_ROOT / "solutions").glob("*.ipynb"))
             for source in exercise_cells(path).values() for line in solution_lines(source)]
    lines = [line for line in lines if sum(token[0].isalnum() for token in tokens(line)) >= 3]
    given = {pitfall: leak(text, lines, run=10**6) for pitfall, text in PITFALLS.items()}  # whole lines only
    assert {pitfall: line for pitfall, line in given.items() if line} == {}
