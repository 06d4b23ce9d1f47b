"""Learner submissions for chapter 06's train_step, right and wrong (the wrong ones as public VAE training
loops write them); sample's are in submissions_sample.py."""
import torch
import torch.nn.functional as F


def _course_loss(x_hat, x, mu, logvar):  # the learner's vae_loss of chapter 06, which train_step calls
    return F.mse_loss(x_hat, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def _loss(model, x):
    x_hat, mu, logvar = model(x)
    return _course_loss(x_hat, x, mu, logvar)


# ------------------------------------------------------------------ train_step: right
def ts_set_to_none_inline(model, optimizer, x):
    optimizer.zero_grad(set_to_none=True)
    x_hat, mu, logvar = model(x)
    recon = F.mse_loss(x_hat, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    loss = recon + kl
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_model_zero_grad(model, optimizer, x):
    model.train()
    model.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    return float(loss)


def ts_zero_at_end(model, optimizer, x):
    x_hat, mu, logvar = model(x)
    loss = _course_loss(x_hat, x, mu, logvar)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()  # ready for the next batch
    return loss.detach().item()


def ts_explicit_sums(model, optimizer, x):
    x = x.view(x.size(0), -1)
    for p in model.parameters():
        p.grad = None
    x_hat, mu, logvar = model(x)
    recon = ((x_hat - x) ** 2).sum()
    kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum()
    (recon + kl).backward()
    optimizer.step()
    return (recon + kl).item()


# ------------------------------------------------------------------ train_step: wrong
def ts_no_zero_grad(model, optimizer, x):
    x_hat, mu, logvar = model(x)
    loss = _course_loss(x_hat, x, mu, logvar)
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_zero_grad_no_parens(model, optimizer, x):
    optimizer.zero_grad  # noqa: B018 -- the call is missing
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_no_step(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    return loss.item()


def ts_step_no_parens(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step  # noqa: B018
    return loss.item()


def ts_no_backward(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    optimizer.step()
    return loss.item()


def ts_backward_no_parens(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward  # noqa: B018
    optimizer.step()
    return loss.item()


def ts_item_then_backward(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x).item()
    loss.backward()
    optimizer.step()
    return loss


def ts_tensor_from_item(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x).item()
    loss = torch.tensor(loss, requires_grad=True)  # the "fix" for "does not require grad"
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_tensor_from_item_no_grad(model, optimizer, x):
    optimizer.zero_grad()
    value = _loss(model, x).item()
    torch.tensor(value).backward()
    optimizer.step()
    return value


def ts_eval_mode(model, optimizer, x):
    model.eval()
    return ts_set_to_none_inline(model, optimizer, x)


def ts_eval_at_end(model, optimizer, x):
    loss = ts_set_to_none_inline(model, optimizer, x)
    model.eval()
    return loss


def ts_train_false(model, optimizer, x):
    model.train(False)  # meant as "not training after this step"
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    return loss.item()


def ts_step_first(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    optimizer.step()
    loss.backward()
    return loss.item()


def ts_step_zero_backward(model, optimizer, x):
    loss = _loss(model, x)
    optimizer.step()
    optimizer.zero_grad()
    loss.backward()
    return loss.item()


def ts_no_zero_step_first(model, optimizer, x):
    loss = _loss(model, x)
    optimizer.step()
    loss.backward()
    return loss.item()


def ts_step_first_zeros(model, optimizer, x):
    optimizer.zero_grad(set_to_none=False)
    loss = _loss(model, x)
    optimizer.step()  # changes the weights in place: backward then fails
    loss.backward()
    return loss.item()


def ts_zero_between(model, optimizer, x):
    loss = _loss(model, x)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def ts_model_zero_between(model, optimizer, x):
    x_hat, mu, logvar = model(x)
    loss = _course_loss(x_hat, x, mu, logvar)
    loss.backward()
    model.zero_grad()
    optimizer.step()
    return loss.item()


def ts_no_grad_forward(model, optimizer, x):
    optimizer.zero_grad()
    with torch.no_grad():
        x_hat, mu, logvar = model(x)
    loss = _course_loss(x_hat, x, mu, logvar)
    loss.backward()
    optimizer.step()
    return loss.item()


@torch.no_grad()  # copied from the evaluation function above it
def ts_decorated_no_grad(model, optimizer, x):
    optimizer.zero_grad()
    loss = _loss(model, x)
    loss.backward()
    optimizer.step()
    return loss.item()
