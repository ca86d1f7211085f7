"""The one private part of TensorFlow the library touches, kept here so an upgrade breaks one place.

``tests/test_tensorflow_internals.py`` fails when a TensorFlow release changes it.
"""

import keras


def gradient_registry() -> dict:
    """TensorFlow's global ``{name: gradient function}`` registry; an empty dict on other backends.

    No public API lists or removes registered gradients, and each training adds one
    (``training._nothing_kept_after_training`` says why it must be removed again).
    """
    if keras.backend.backend() != "tensorflow":
        return {}
    from tensorflow.python.framework import ops as tensorflow_ops

    return getattr(getattr(tensorflow_ops, "_gradient_registry", None), "_registry", {})
