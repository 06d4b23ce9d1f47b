"""Build the learner notebooks in notebooks/ from the solved ones in solutions/, the single source.

Solution code sits between `### BEGIN SOLUTION` and `### END SOLUTION`; in the learner's copy
each block becomes a stub raising NotImplementedError, carrying the block's `# Task:` line (what to
compute and return, never how) and pointing to `check.hint(NAME)`, NAME read from the check cell that
follows. All outputs are cleared; cell metadata, tags included, is kept.

    python -m vae_lesson.build            write notebooks/
    python -m vae_lesson.build --check    exit 1 if notebooks/ is out of date
    python -m vae_lesson.build --execute [NAMES]  first re-run solutions/ (or only NAMES) in place
"""
import argparse
import os
import re
import sys
from pathlib import Path

import nbformat

from . import KERNEL_ENV, REPO_ROOT

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
TASK = re.compile(r"^\s*# Task:\s*(.*)$")
HINT = re.compile(r"^\s*# Hint:")  # retired: hints that reached the stub gave the answer away
CHECK_CALL = re.compile(r"\bcheck\.(\w+)\(")


def stub_source(source, exercise=None):
    """Replace each solution block by a stub at the block's indentation; the first one names the hint."""
    out, block, pointed = [], None, exercise is None
    for line in source.splitlines():
        if line.strip() == BEGIN:
            block = {"indent": line[: len(line) - len(line.lstrip())], "task": None}
        elif line.strip() == END:
            if block is None:
                raise ValueError(f"{END} without {BEGIN}")
            indent, task = block["indent"], block["task"] or "write this part"
            if not pointed:
                out.append(f"{indent}# Stuck? check.hint('{exercise}') gives a hint, one step at a time.")
                pointed = True
            if block["task"]:
                out.append(f"{indent}# Task: {task}")
            out.append(f'{indent}raise NotImplementedError("Exercise: {task}")')
            block = None
        elif block is not None:
            if HINT.match(line):
                raise ValueError("a '# Hint:' line would show the learner how; write a '# Task:' line (what to return)")
            match = TASK.match(line)
            if match and block["task"] is None:
                block["task"] = match.group(1).replace('"', "'")
        else:
            out.append(line)
    if block is not None:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(out)


def checked_exercise(cells, index):
    """The name of the check in the first code cell after cells[index] that calls one, else None."""
    for cell in cells[index + 1:]:
        match = cell.cell_type == "code" and CHECK_CALL.search(cell.source)
        if match:
            return match.group(1)
    return None


def learner_notebook(solved):
    nb = nbformat.from_dict(solved)
    nb.metadata.pop("widgets", None)  # the solved run's widget state: ids that change on every run
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            if BEGIN in cell.source:
                cell.source = stub_source(cell.source, checked_exercise(nb.cells, index))
            cell.outputs, cell.execution_count = [], None
    return nb


def pairs(solutions_dir=REPO_ROOT / "solutions", notebooks_dir=REPO_ROOT / "notebooks"):
    return [(src, notebooks_dir / src.name) for src in sorted(solutions_dir.glob("*.ipynb"))]


def execute(nb, folder, allow_errors=False, timeout=600):
    """Run a notebook headless in a fresh kernel of this environment, cells' working folder `folder`."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                   extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no warning about the local TCP transport
                   resources={"metadata": {"path": str(Path(folder).resolve())}}).execute()
    return nb


def execute_in_place(path):
    os.environ.update(KERNEL_ENV)  # the kernel inherits them
    nb = execute(nbformat.read(path, as_version=4), path.parent)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vae_lesson.build", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether notebooks/ is up to date")
    parser.add_argument("--execute", action="store_true", help="re-run solutions/ in place first")
    parser.add_argument("only", nargs="*", help="with --execute: re-run only these notebooks (names or paths)")
    args = parser.parse_args(argv)
    stale = []
    for src, dst in pairs():
        if args.execute and (not args.only or src.name in {Path(o).name for o in args.only}):
            print(f"executing {src.relative_to(REPO_ROOT)}")
            execute_in_place(src)
        text = nbformat.writes(learner_notebook(nbformat.read(src, as_version=4))) + "\n"
        if dst.exists() and dst.read_text() == text:
            continue
        stale.append(dst)
        if not args.check:
            dst.parent.mkdir(exist_ok=True)
            dst.write_text(text)
    orphans = sorted({p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb")} - {s.name for s, _ in pairs()})
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(REPO_ROOT)} (run: python -m vae_lesson.build)")
        for name in orphans:
            print(f"notebooks/{name} has no source in solutions/")
        return 1 if stale or orphans else 0
    for path in stale:
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
