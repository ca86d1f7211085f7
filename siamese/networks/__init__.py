"""Networks and losses: the embedding networks (MLP, CNN, ViT), the Siamese training model, the losses.

``models`` builds the networks and embeds pictures; ``losses`` holds the pair, triplet and in-batch
losses; ``tensor_distances`` the distances in Keras ops. Every name here imports TensorFlow.
"""

from siamese.public import names_in, public_face

__all__, __getattr__, __dir__ = public_face(__name__, {
    **names_in("models", "build_embedding_network", "build_training_model", "embed", "AttentionPooling",
               "ClassToken", "PositionEmbedding"),
    **names_in("losses", "ContrastiveLoss", "TripletLoss", "InBatchContrastiveLoss", "InBatchTripletLoss",
               "InBatchBinaryCrossentropy", "InBatchInfoNCELoss", "loss_for"),
    **names_in("tensor_distances", "pair_distance", "distance_matrix"),
})  # fmt: skip
