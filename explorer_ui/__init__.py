"""The Streamlit side of Siamese Explorer: what the pages share, one module per job.

Pages hold layout and widgets; they call into ``siamese`` for every computation and into these
modules for what only a Streamlit app needs: caches shared by sessions (``data_source``,
``default_model``, ``caches``), the training queue, the live training view, pictures and charts,
the canvas, session state (``state``, the one module that names its keys) and the few private
parts of Streamlit the app relies on (``streamlit_internals``). TensorFlow is imported only inside
the functions that need a network, so pages that only show data open without it.
"""
