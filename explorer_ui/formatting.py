"""Numbers as a student reads them."""


def format_distance(distance: float) -> str:
    """A distance with 3 decimals, or 4 below 0.1: a cosine distance between near twins is tiny."""
    return f"{distance:.4f}" if abs(distance) < 0.1 else f"{distance:.3f}"
