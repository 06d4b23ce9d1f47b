"""Does a text the learner sees give away solution code? A criterion shared by the build and hint tests.

Both sides are canonicalised so that a paraphrase still matches: spaces go, module prefixes
(`torch.`, `F.`, `math.`, ...) go, `a ** 2` and `a.pow(2)` become `a ^ 2`, `a.exp()` becomes `exp(a)`,
double quotes become single. A text leaks a solution line if it holds RUN consecutive tokens of that
line (the whole line, if shorter). RUN is 6: the longest run a stub's own signature and docstring
share with its solution is 5 (`input_dim, hidden_dim, latent_dim` of parameter_count), while even
the shortest spoiler among the old hints, `nn.Linear(input_dim, hidden_dim)`, is 6.
"""
import json
import re

from vae_lesson.build import BEGIN, END

RUN = 6
PREFIX = re.compile(r"\b(?:torch\.nn\.functional|torch\.nn|nn\.functional|torch|math|np|F|nn)\.")
POW = re.compile(r"\.pow\(\s*(\w+)\s*\)")
METHOD = re.compile(r"(\w+)\.(exp|log|sqrt|sum|mean|abs|sigmoid|relu|square)\(\)")
TOKEN = re.compile(r"\d+\.\d+|\w+|\S")


def tokens(text):
    """Canonical tokens of code or prose."""
    text = PREFIX.sub("", text.replace('"', "'"))
    text = POW.sub(r" ^ \1", text.replace("**", "^"))
    text = METHOD.sub(r"\2(\1)", text)
    return TOKEN.findall(text)


def solution_lines(source):
    """The code lines inside a cell's solution blocks (comments and blank lines left out)."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() in (BEGIN, END):
            inside = line.strip() == BEGIN
        elif inside and line.strip() and not line.strip().startswith("#"):
            lines.append(line.strip())
    return lines


def leak(text, lines, run=RUN):
    """The first run of tokens of a solution line found in text, as a string, else None."""
    seen = tokens(text)
    grams = {tuple(seen[i:i + n]) for n in {min(run, len(tokens(l))) for l in lines}
             for i in range(len(seen) - n + 1)}
    for line in lines:
        toks = tokens(line)
        n = min(run, len(toks))
        for i in range(len(toks) - n + 1):
            if tuple(toks[i:i + n]) in grams:
                return " ".join(toks[i:i + n])
    return None


def exercise_cells(path):
    """{cell id: source} of the code cells of a notebook that hold a solution block."""
    cells = json.loads(path.read_text())["cells"]
    return {c["id"]: "".join(c["source"]) for c in cells
            if c["cell_type"] == "code" and BEGIN in "".join(c["source"])}
