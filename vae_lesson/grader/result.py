"""A check's verdict, shown green or red in a notebook (the grading command calls the checks itself)."""
import html
from dataclasses import dataclass

from .hints import HINTS
from .pitfalls import explain
from .sandbox import Failure

MIME_TYPE = "application/vnd.vae-lesson.check+json"  # shown in a notebook; the grading command never reads it
# Exercises that answer a question rather than write code the chapter goes on to use: no reference stands in.
QUESTIONS = {"spot_the_bug"}
AFTER_CHECK = []  # called with each CheckResult made in a notebook's kernel
GENERIC = {"wrong-shape", "wrong-values", "modified-input", "not-implemented", "raised", "too-slow"}


@dataclass
class CheckResult:
    exercise: str
    passed: bool
    pitfall: str | None
    message: str
    submitted: object = None
    reference: object = None

    @property
    def implementation(self):
        """The learner's code if it passed, otherwise the reference, so the notebook can go on."""
        return self.submitted if self.passed else self.reference

    @property
    def explanation(self):
        if not self.pitfall:
            return ""
        return explain(self.exercise, self.pitfall)

    def _stand_in(self):
        if self.exercise in QUESTIONS:
            return "Nothing below runs on your answer: fix it and run this cell again."
        name = getattr(self.reference, "__name__", "reference")
        return (f"The reference {name} from solutions/ stands in for yours below, so the rest of the notebook "
                f"runs. Fix yours and run this cell again.")

    def __repr__(self):
        if self.passed:
            return f"PASSED {self.exercise}: {self.message}"
        lines = [f"FAILED {self.exercise} [{self.pitfall}]: {self.message}"]
        if self.pitfall not in GENERIC and self.explanation not in self.message:
            lines.append(f"Why: {self.explanation}")
        return "\n".join(lines + [self._stand_in()] + self._offer_hint())

    def _offer_hint(self):
        """One last line pointing to the hints: the message names the mistake, the hints lead to a fix."""
        if self.exercise not in HINTS:
            return []
        return [f"Stuck? check.hint('{self.exercise}') shows a first hint."]

    def _repr_html_(self):
        color, mark = ("#1a7f37", "&#10004; PASSED") if self.passed else ("#cf222e", "&#10008; FAILED")
        body = html.escape(repr(self).split(":", 1)[1].strip())
        head = f"{mark} {html.escape(self.exercise)}" + ("" if self.passed else f" [{html.escape(self.pitfall)}]")
        return (f'<div style="border-left:4px solid {color};padding:4px 8px">'
                f'<b style="color:{color}">{head}</b><pre style="white-space:pre-wrap;margin:4px 0">{body}</pre></div>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        record = {"exercise": self.exercise, "passed": self.passed, "pitfall": self.pitfall}
        return {"text/plain": repr(self), "text/html": self._repr_html_(), MIME_TYPE: record}


def graded(exercise, reference):
    """Turn a check body, which judges a learner.Learner and returns a message or raises Failure, into a check of
    a learner's object in this kernel (`check.encoder(Encoder)`), returning a CheckResult. The body alone, as
    `check.judge`, judges through whatever probe is in use: class grading's sandboxed one."""
    def decorate(body):
        def judge(learner):
            try:
                return CheckResult(exercise, True, None, body(learner))
            except Failure as failure:
                return CheckResult(exercise, False, failure.pitfall, failure.message)
            except Exception as error:  # learner code that defeats the checks' own guards, e.g. odd return types
                return CheckResult(exercise, False, "raised", f"the check could not judge your code: "
                                   f"{type(error).__name__}: {error}")

        def check(submitted):
            import torch  # here, not at the top: the grading command reads this module without torch

            from .learner import Learner, using
            from .probe import Probe
            # The check draws its own random inputs; the learner's generator must come out as it went in,
            # so the cells after a check draw the same numbers whatever the check did or found.
            with torch.random.fork_rng(devices=[torch.cuda.current_device()] if torch.cuda.is_available() else []):
                with using(Probe()) as probe:
                    result = judge(Learner(probe.bind(submitted)))
            result.submitted, result.reference = submitted, reference
            for hook in AFTER_CHECK:  # e.g. pieces.save, which the notebooks' `check` registers
                hook(result)
            return result
        check.__name__, check.__doc__, check.judge = body.__name__, body.__doc__, judge
        return check
    return decorate
