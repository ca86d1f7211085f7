"""Storage: models as everything downstream uses them, their folders and files, the shipped networks, caches.

``trained_model`` is a network with its settings and threshold; ``network_file`` reads a saved network
safely, when first needed; ``model_folders`` saves and loads folders, zips and uploads atomically;
``shipped_model`` checks and makes the networks that ship in ``shipped_network/`` and
``digits_only_network/``; ``result_cache`` keeps embeddings and figures on disk.
"""

from siamese.public import names_in, public_face

__all__, __getattr__, __dir__ = public_face(__name__, {
    **names_in("trained_model", "TrainedModel", "ModelOrigin"),
    **names_in("network_file", "NetworkFile", "load_embedding_network"),
    **names_in("model_folders", "save_model", "load_model", "load_upload", "model_archive", "load_archive"),
    **names_in("shipped_model", "load_shipped_model", "load_digits_only_model", "make_shipped_model"),
    **names_in("result_cache", "ResultCache", "default_cache_folder"),
})  # fmt: skip
