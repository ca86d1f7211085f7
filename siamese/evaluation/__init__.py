"""Evaluation: how good an embedding is, and maps of it.

``scores`` evaluates a model on the test digits (``pair_metrics`` and ``retrieval`` do the sums);
``few_shot``, ``unseen_digits`` and ``unseen_shapes`` measure what it never saw; ``classifier_baseline``
is the comparison a Siamese network must win; ``model_comparison`` sets two models side by side;
``projection`` makes maps and ``export`` files for TensorFlow's Embedding Projector.
"""

from siamese.public import names_in, public_face

__all__, __getattr__, __dir__ = public_face(__name__, {
    **names_in("scores", "Evaluation", "ThresholdCalls", "evaluate_model", "evaluate_embeddings"),
    **names_in("pair_metrics", "pair_accuracy", "roc_curve", "best_threshold"),
    **names_in("retrieval", "RetrievalMetrics", "retrieval_metrics"),
    **names_in("few_shot", "FewShotResult", "evaluate_few_shot", "sample_episode", "classes_with_styles"),
    **names_in("unseen_digits", "SeenUnseen", "seen_unseen_figures"),
    **names_in("unseen_shapes", "Placement", "place_unseen"),
    **names_in("classifier_baseline", "train_classifier_baseline"),
    **names_in("model_comparison", "ModelComparison", "compare_evaluations", "side_by_side_maps"),
    **names_in("projection", "Method", "Projection", "project", "align_to"),
    **names_in("export", "write_projector_files"),
})  # fmt: skip
