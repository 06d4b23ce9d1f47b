"""Learner submissions for the exercises of chapters 07-11, right and wrong."""
import torch
import torch.nn.functional as F


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


# ------------------------------------------------------------------ iwae_estimate (chapter 09)
def iwae_manual_max(log_w):
    m = log_w.max(dim=0).values
    return m + torch.log(torch.exp(log_w - m).mean(dim=0))


def iwae_logmeanexp(log_w):
    return torch.logsumexp(log_w - torch.log(torch.tensor(float(log_w.shape[0]))), dim=0)


def iwae_numpy_style(log_w):
    import math
    return torch.logsumexp(log_w.T, dim=1) - math.log(len(log_w))


def iwae_float64(log_w):
    return (torch.logsumexp(log_w.double(), 0) - torch.tensor(log_w.shape[0]).double().log()).to(log_w.dtype)


def iwae_naive(log_w):
    return torch.log(torch.exp(log_w).mean(dim=0))


def iwae_naive_sum(log_w):
    return torch.log(torch.exp(log_w).sum(dim=0) / log_w.shape[0])


def iwae_no_log_k(log_w):
    return torch.logsumexp(log_w, dim=0)


def iwae_no_log_k_2(log_w):
    m = log_w.max(0).values
    return m + torch.log(torch.exp(log_w - m).sum(0))


def iwae_mean_of_logs(log_w):
    return log_w.mean(dim=0)


def iwae_mean_of_logs_2(log_w):
    return log_w.sum(0) / log_w.shape[0]


def iwae_float(log_w):
    return float(torch.logsumexp(log_w, 0).mean())


def iwae_wrong_dim(log_w):
    return torch.logsumexp(log_w, dim=1) - 1.0


def iwae_in_place(log_w):  # stable, but shifts the caller's tensor: chapter 09 passes views of one pool
    m = log_w.max(0).values
    log_w -= m
    return m + torch.log(torch.exp(log_w).mean(0))


def iwae_one_max(log_w):  # one shift for the whole tensor: examples far below it still underflow
    m = log_w.max()
    return m + torch.log(torch.exp(log_w - m).mean(0))


def iwae_k_from_batch(log_w):
    import math
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[1])


def iwae_k_from_numel(log_w):
    import math
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.numel())


def iwae_plus_log_k(log_w):
    import math
    return torch.logsumexp(log_w, dim=0) + math.log(log_w.shape[0])


def iwae_divided_by_k(log_w):
    return torch.logsumexp(log_w, dim=0) / log_w.shape[0]


def iwae_over_samples_dim1(log_w):
    import math
    return torch.logsumexp(log_w, dim=1) - math.log(log_w.shape[0])


# ------------------------------------------------------------------ condition (chapter 10)
def cond_float32_code(v, labels, num_classes=10):  # ignores v's dtype: float64 v in, float32 out
    return torch.cat([v.float(), F.one_hot(labels, num_classes).float()], 1)


def cond_ten_classes(v, labels, num_classes=10):
    return torch.cat([v, F.one_hot(labels, 10).to(v.dtype)], dim=1)


def cond_cat_rows(v, labels, num_classes=10):
    return torch.cat([v, F.one_hot(labels, num_classes).to(v.dtype)], dim=0)


def cond_eye(v, labels, num_classes=10):
    return torch.cat([v, torch.eye(num_classes, dtype=v.dtype)[labels]], dim=1)


def cond_scatter(v, labels, num_classes=10):
    one_hot = torch.zeros(len(labels), num_classes, dtype=v.dtype).scatter_(1, labels.unsqueeze(1), 1.0)
    return torch.hstack([v, one_hot])


def cond_compare(v, labels, num_classes=10):
    return torch.cat((v, (labels[:, None] == torch.arange(num_classes)).to(v.dtype)), -1)


def cond_loop(v, labels, num_classes=10):
    rows = []
    for row, label in zip(v, labels):
        code = torch.zeros(num_classes)
        code[label] = 1
        rows.append(torch.cat([row, code]))
    return torch.stack(rows)


def cond_index_fill(v, labels, num_classes=10):
    codes = v.new_zeros(len(labels), num_classes)
    codes[torch.arange(len(labels)), labels] = 1
    return torch.cat([v, codes], dim=-1)


def cond_one_hot_no_num_classes(v, labels, num_classes=10):
    return torch.cat([v, F.one_hot(labels).float()], dim=1)


def cond_eye_by_max(v, labels, num_classes=10):
    return torch.cat([v, torch.eye(int(labels.max()) + 1)[labels]], dim=1)


def cond_none(v, labels, num_classes=10):
    torch.cat([v, F.one_hot(labels, num_classes).to(v.dtype)], dim=1)


def cond_tuple(v, labels, num_classes=10):
    return v, F.one_hot(labels, num_classes).to(v.dtype)


def cond_raw_label(v, labels, num_classes=10):
    return torch.cat([v, labels.unsqueeze(1).to(v.dtype)], dim=1)


def cond_scaled_label(v, labels, num_classes=10):
    return torch.cat([v, labels.unsqueeze(1).to(v.dtype) / 9], dim=1)


def cond_label_first(v, labels, num_classes=10):
    return torch.cat([F.one_hot(labels, num_classes).to(v.dtype), v], dim=1)


# ------------------------------------------------------------------ parameter_count (chapter 11)
def count_layers(input_dim, hidden_dim, latent_dim):
    layers = [(input_dim, hidden_dim), (hidden_dim, latent_dim), (hidden_dim, latent_dim),
              (latent_dim, hidden_dim), (hidden_dim, input_dim)]
    return sum(a * b + b for a, b in layers)


def count_expanded(D, H, Z):
    return 2 * D * H + 3 * H * Z + 2 * H + 2 * Z + D


def count_by_building(input_dim, hidden_dim, latent_dim):
    from solutions import VAE
    return sum(p.numel() for p in VAE(input_dim, hidden_dim, latent_dim).parameters())


def count_tensor(D, H, Z):
    return torch.tensor(D * H + H + 2 * (H * Z + Z) + Z * H + H + H * D + D)


def count_no_biases(D, H, Z):
    return D * H + 2 * H * Z + Z * H + H * D


def count_no_biases_2(D, H, Z):
    return 2 * D * H + 3 * H * Z


def count_none(D, H, Z):
    total = D * H + H + 2 * (H * Z + Z) + Z * H + H + H * D + D  # noqa: F841 -- forgot the return


def count_one_head(D, H, Z):
    return D * H + H + (H * Z + Z) + Z * H + H + H * D + D


def count_string(D, H, Z):
    return f"{2 * D * H}"


def count_numpy(D, H, Z):  # a NumPy integer is a whole number too
    import numpy as np
    shapes = np.array([[D, H], [H, Z], [H, Z], [Z, H], [H, D]])
    return np.sum(shapes[:, 0] * shapes[:, 1] + shapes[:, 1])


def count_averaged(D, H, Z):  # a half parameter cannot be: int() would hide it
    return torch.tensor((2 * D * H + 3 * H * Z + 2 * H + 2 * Z + D) + 0.5)


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
