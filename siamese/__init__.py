"""Siamese networks that learn embeddings of handwritten digits.

The library behind Siamese Explorer: data, pairs, models, losses, training, evaluation,
neighbour search, maps and drawn-digit preprocessing, one module per idea (see
ARCHITECTURE.md). It never imports Streamlit, and TensorFlow only where a network is
built or run.
"""

__version__ = "0.1.0"
