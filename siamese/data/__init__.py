"""Data: MNIST, pairs and batches for training, drawings as MNIST inputs, and the symbol corpus.

``mnist`` loads the digits; ``pairs``, ``augmentation`` and ``batches`` feed ``model.fit``;
``drawing`` turns a canvas drawing into an MNIST input; ``glyphs``, ``glyph_drawing``,
``symbol_classes`` and ``symbol_corpus`` make the symbols beyond digits; ``handwriting`` draws digits
by pen strokes, for benchmarks and tests.
"""

from siamese.public import names_in, public_face

__all__, __getattr__, __dir__ = public_face(__name__, {
    **names_in("mnist", "MnistData", "load_mnist", "load_npz", "load_embedded_mnist", "without_embedded_subset"),
    **names_in("augmentation", "Augmentation", "augment"),
    **names_in("pairs", "Pairs", "Triplets", "make_pairs", "make_triplets"),
    **names_in("batches", "TrainingBatches", "ValidationBatches", "class_balanced_order", "shared_order"),
    **names_in("drawing", "DrawingStatus", "DrawingSteps", "preprocess_drawing", "image_from_file"),
    **names_in("glyphs", "GlyphSource", "glyph_sources"),
    **names_in("glyph_drawing", "Variation", "draw_glyph"),
    **names_in("symbol_classes", "Split", "SymbolClass", "symbol_classes"),
    **names_in("symbol_corpus", "SymbolCorpus", "load_symbol_corpus", "make_symbol_corpus"),
    **names_in("handwriting", "stroke_digits", "font_digits"),
})  # fmt: skip
