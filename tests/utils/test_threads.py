"""configure_threads: the intra-op thread count used for decoding (CLIs and benches)."""
import pytest
import torch

from audiocraft_expotion.utils.threads import configure_threads, default_threads, usable_cores


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_explicit_count_is_applied_and_returned():
    assert configure_threads(1) == 1 == torch.get_num_threads()


def test_default_is_one_thread_on_small_machines_and_at_most_the_cores():
    count = configure_threads(None)
    assert count == default_threads() == torch.get_num_threads()
    assert 1 <= count <= usable_cores()
    if usable_cores() <= 2:
        assert count == 1


def test_non_positive_count_is_an_error():
    with pytest.raises(ValueError, match="threads must be >= 1"):
        configure_threads(0)
