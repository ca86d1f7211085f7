"""The classroom: class codes and teacher keys, the class store, a class's figures and its exports.

``codes`` makes codes read off a projector and keys kept secret; ``store`` keeps classes and their
drawings in SQLite or PostgreSQL; ``report`` computes a class's figures; ``export`` writes its set.
"""

from siamese.public import names_in, public_face

__all__, __getattr__, __dir__ = public_face(__name__, {
    **names_in("codes", "new_class_code", "display_code", "normalise_code"),
    **names_in("store", "ClassStore", "ClassStoreError", "ClassRuleError", "sqlite_url"),
    **names_in("report", "ClassReport", "class_report", "with_class_references"),
    **names_in("export", "class_csv", "class_npz"),
})  # fmt: skip
