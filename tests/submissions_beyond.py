"""Learner submissions for chapters 07 and 08 (spot_the_bug, interpolate), right and wrong; chapters 09-11's are in
submissions_chapters_09_11.py."""
import torch


# ------------------------------------------------------------------ interpolate (chapter 08)
def interp_lerp(z_start, z_end, steps):
    return torch.lerp(z_start, z_end, torch.linspace(0, 1, steps).unsqueeze(1))


def interp_loop(z_start, z_end, steps):
    return torch.stack([z_start + (z_end - z_start) * i / (steps - 1) for i in range(steps)])


def interp_arange(z_start, z_end, steps):
    t = torch.arange(steps, dtype=z_start.dtype)[:, None] / (steps - 1)
    return z_start * (1 - t) + z_end * t


def interp_outer(z_start, z_end, steps):
    return z_start + torch.outer(torch.linspace(0, 1, steps), z_end - z_start)


def interp_view_column(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps, dtype=z_start.dtype).view(-1, 1)
    return z_start + t * (z_end - z_start)


def interp_no_unsqueeze(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps)
    return (1 - t) * z_start + t * z_end


def interp_lerp_flat(z_start, z_end, steps):
    return torch.lerp(z_start, z_end, torch.linspace(0, 1, steps))


def interp_none(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    path = (1 - t) * z_start + t * z_end  # noqa: F841 -- forgot the return


def interp_no_end(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps + 1)[:-1].unsqueeze(1)
    return (1 - t) * z_start + t * z_end


def interp_reversed(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return t * z_start + (1 - t) * z_end


def interp_list(z_start, z_end, steps):
    return [z_start + (z_end - z_start) * i / (steps - 1) for i in range(steps)]


def interp_one_extra(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps + 1).unsqueeze(1)
    return (1 - t) * z_start + t * z_end


# ------------------------------------------------------------------ spot the bug (chapter 07)
def spot_plain():
    return {"A": "kl-missing-half", "B": "grad-not-zeroed", "C": "z-detached"}


def spot_built():
    answer = {}
    for key, name in zip("ABC", ["kl" + "-missing-half", "grad-not-" + "zeroed", "-".join(["z", "detached"])]):
        answer[key] = name
    return answer


def spot_lookup():
    symptoms = {"KL twice the formula": "kl-missing-half", "curves swing": "grad-not-zeroed",
                "KL at zero, one digit": "z-detached"}
    return dict(A=symptoms["KL twice the formula"], B=symptoms["curves swing"], C=symptoms["KL at zero, one digit"])


def spot_loose_spelling():  # lower-case keys, underscores, spaces and capitals are forgiven
    return {"c": " Z_detached ", "a": "KL missing half", "b": "grad_not_zeroed"}


def spot_wrong():  # C taken for the sign flip
    return {"A": "kl-missing-half", "B": "grad-not-zeroed", "C": "kl-sign-flipped"}


def spot_seen_before():  # the six pitfalls' pictures matched, not diagnosed: C looks like mean reduction
    return {"A": "kl-missing-half", "B": "grad-not-zeroed", "C": "mean-reduction"}


def spot_swapped():
    return {"A": "grad-not-zeroed", "B": "kl-missing-half", "C": "z-detached"}


def spot_all_wrong():
    return {"A": "kl-on-std", "B": "std-is-variance", "C": "std-not-exponentiated"}


def spot_unknown():
    return {"A": "kl-missing-half", "B": "posterior-collapse", "C": "z-detached"}


def spot_string():  # the old chapter's single answer
    return "mean-reduction"


def spot_none():
    return None


def spot_missing_key():
    return {"A": "kl-missing-half", "B": "grad-not-zeroed"}


def spot_extra_key():
    return {"A": "kl-missing-half", "B": "grad-not-zeroed", "C": "z-detached", "D": "mean-reduction"}


def spot_not_a_string():
    return {"A": 3, "B": "grad-not-zeroed", "C": "z-detached"}


def spot_list():
    return ["kl-missing-half", "grad-not-zeroed", "z-detached"]


def spot_raises():
    return {"A": "kl-missing-half"}["B"]


def spot_stub():
    raise NotImplementedError


# ------------------------------------------------------------------ found by a learner's attempts (chapters 06-08)
def spot_typed_loosely():  # spaced hyphens, an en dash, quotes and a full stop, as people type them
    return {"A": "kl - missing - half", "B": "grad\u2013not\u2013zeroed", "C": "'z-detached'."}


def interp_numpy_linspace(z_start, z_end, steps):  # NumPy 2 keeps float32 codes float32
    import numpy as np
    return torch.from_numpy(np.linspace(z_start.numpy(), z_end.numpy(), steps))


def interp_float64_weights(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps, dtype=torch.float64).unsqueeze(1)
    return (1 - t) * z_start + t * z_end


def interp_walks_in_place(z_start, z_end, steps):  # walks z_start itself: the caller's code moves
    delta, path = (z_end - z_start) / (steps - 1), []
    z = z_start
    for _ in range(steps):
        path.append(z.clone())
        z += delta
    return torch.stack(path)


def interp_lerp_in_dtype(z_start, z_end, steps):
    return torch.lerp(z_start, z_end, torch.linspace(0, 1, steps, dtype=z_start.dtype).unsqueeze(1))


def interp_outer_in_dtype(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps, dtype=z_start.dtype, device=z_start.device)
    return z_start + torch.outer(t, z_end - z_start)


def interp_no_start(z_start, z_end, steps):
    t = torch.linspace(0, 1, steps + 1, dtype=z_start.dtype)[1:].unsqueeze(1)
    return (1 - t) * z_start + t * z_end
