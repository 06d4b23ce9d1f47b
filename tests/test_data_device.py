"""Data and device: the happy path, and one clear message for each kind of bad input."""
import pytest
import torch

from vae_lesson import data, device


def test_mnist_loads_as_preloaded_tensors(data_available):
    images, labels = data.load("mnist", train=False)
    assert images.shape == (10000, 1, 28, 28) and images.dtype == torch.float32
    assert images.min() == 0 and images.max() == 1 and labels[0] == 7


def test_fashion_mnist_loads(data_available):
    images, labels = data.load("fashion", train=False, limit=10)
    assert images.shape == (10, 1, 28, 28) and labels.shape == (10,)


def test_missing_files_give_one_message_naming_the_files_and_the_variable(tmp_path):
    with pytest.raises(data.DataNotFoundError) as caught:
        data.load("mnist", root=tmp_path, download=False)
    message = str(caught.value)
    assert all(name in message for name in data.RAW_FILES)
    assert "VAE_LESSON_DATA" in message and str(tmp_path / "MNIST" / "raw") in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no torchvision traceback


def test_wrong_data_variable_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_LESSON_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(data.DataNotFoundError, match="VAE_LESSON_DATA is set to"):
        data.load("mnist")


def test_unknown_dataset_is_named():
    with pytest.raises(ValueError, match="Unknown dataset 'cifar'"):
        data.load("cifar")


def test_device_defaults_to_the_best_available(monkeypatch):
    monkeypatch.delenv("VAE_LESSON_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert device.get_device().type == expected


def test_device_can_be_forced(monkeypatch):
    monkeypatch.setenv("VAE_LESSON_DEVICE", "cpu")
    assert device.get_device() == torch.device("cpu")


@pytest.mark.parametrize("name, message", [("tpu", "Unknown device"), ("gpu0", "Unknown device")])
def test_unknown_device_gets_a_clear_message(monkeypatch, name, message):
    monkeypatch.setenv("VAE_LESSON_DEVICE", name)
    with pytest.raises(device.DeviceError, match=message):
        device.get_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_absent_cuda_gets_a_clear_message(monkeypatch):
    monkeypatch.setenv("VAE_LESSON_DEVICE", "cuda")
    with pytest.raises(device.DeviceError, match="has no CUDA"):
        device.get_device()
