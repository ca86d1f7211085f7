"""Search: nearest neighbours among reference embeddings, and naming a new drawing.

``neighbour_search`` is exact k-NN and its vote; ``vector_index`` puts exact search, FAISS flat and
FAISS HNSW behind one protocol; ``neighbour_index`` embeds and answers one drawing; ``symbols`` holds a
student's own symbols and ``open_set`` names a drawing among them and the digits, or none of these.
"""

from siamese.public import names_in, public_face

__all__, __getattr__, __dir__ = public_face(__name__, {
    **names_in("neighbour_search", "nearest_neighbours", "knn_vote"),
    **names_in("vector_index", "IndexKind", "make_index", "build_index"),
    **names_in("neighbour_index", "NeighbourIndex", "QueryResult"),
    **names_in("symbols", "SymbolSet"),
    **names_in("open_set", "OpenSetRule", "Identification", "identify", "calibrate_open_set", "calibrate_model",
               "digit_centres", "KnownShapes", "known_shapes", "embed_known_shapes"),
})  # fmt: skip
