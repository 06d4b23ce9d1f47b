"""Learner submissions for chapters 09-11 (iwae_estimate, condition, parameter_count), right and wrong."""
import torch
import torch.nn.functional as F


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


def count_with_linears(D, H, Z):
    layers = [torch.nn.Linear(D, H), torch.nn.Linear(H, Z), torch.nn.Linear(H, Z), torch.nn.Linear(Z, H),
              torch.nn.Linear(H, D)]  # built only to be counted
    return sum(p.numel() for layer in layers for p in layer.parameters())


def count_true_division(D, H, Z):
    return (D * H + H + 2 * (H * Z + Z) + Z * H + H + H * D + D) / 1  # "/" makes a float
