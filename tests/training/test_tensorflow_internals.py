"""The one private part of TensorFlow the library uses: it must still be there after an upgrade."""

import keras
import pytest

from siamese.training.tensorflow_internals import gradient_registry


def test_the_gradient_registry_is_a_dict_that_trainings_add_to(small_data):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("only TensorFlow has a global gradient registry")
    registry = gradient_registry()
    assert isinstance(registry, dict)
    assert registry, "TensorFlow's built-in gradients should be registered (the private name may have changed)"
    assert "MatMul" in registry  # a gradient every network needs
