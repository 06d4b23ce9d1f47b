"""Wrong train_step submissions, continued: the value returned, the loss stepped on, the update and what the
step leaves behind (the right ones and the wrong order of calls are in submissions_training.py)."""
import torch
import torch.nn.functional as F

from tests.submissions_training import _loss, ts_set_to_none_inline


# ------------------------------------------------------------------ train_step: wrong, continued
def ts_returns_loss(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    return loss


def ts_returns_detached(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    return loss.detach()


def ts_mse_default(model, optimizer, x):
    optimizer.zero_grad()
    x_hat, mu, logvar = model(x)
    loss = F.mse_loss(x_hat, x) - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_batch_mean(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x) / len(x)
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_batch_mean_tensor(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x) / x.size(0)
    loss.backward()
    optimizer.step()
    return loss


def ts_no_kl(model, optimizer, x):
    optimizer.zero_grad()
    x_hat, mu, logvar = model(x)
    loss = F.mse_loss(x_hat, x, reduction="sum")
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_loss_after_step(model, optimizer, x):
    ts_set_to_none_inline(model, optimizer, x)
    with torch.no_grad():
        return _loss(model, x).item()


def ts_own_optimizer(model, optimizer, x):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    return ts_set_to_none_inline(model, optimizer, x)


def ts_step_twice(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    for _ in range(2):  # "to train faster"
        optimizer.step()
    return loss.item()


def ts_constant(model, optimizer, x):
    return 0.0


def ts_returns_none(model, optimizer, x):
    ts_set_to_none_inline(model, optimizer, x)


def ts_returns_tuple(model, optimizer, x):
    optimizer.zero_grad()
    x_hat, mu, logvar = model(x)
    recon, kl = F.mse_loss(x_hat, x, reduction="sum"), -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    (recon + kl).backward()
    optimizer.step()
    return recon.item(), kl.item()


def ts_view_784(model, optimizer, x):
    optimizer.zero_grad()
    x = x.view(-1, 784)
    return ts_set_to_none_inline(model, optimizer, x)


def ts_endless(model, optimizer, x):
    while True:
        ts_set_to_none_inline(model, optimizer, x)


def ts_stub(model, optimizer, x):
    raise NotImplementedError("train_step")


# ------------------------------------------------------------------ found by a learner's attempts
def ts_returns_mean_loss(model, optimizer, x):  # the step is right; only the value reported is averaged
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    return loss.item() / len(x)


def ts_manual_sgd(model, optimizer, x):  # its own update, at a rate of its own, bypassing the optimizer
    model.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.01 * p.grad
    return loss.item()


def ts_grad_left_off(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    torch.set_grad_enabled(False)  # meant for the logging below, never switched back
    return loss.item()


def ts_backward_twice(model, optimizer, x):  # a second backward for a gradient-norm log adds the gradient again
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward(retain_graph=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_logs_before_training(model, optimizer, x):  # a logging pass first: its noise is not the step's
    with torch.no_grad():
        _loss(model, x)
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    return loss.item()
