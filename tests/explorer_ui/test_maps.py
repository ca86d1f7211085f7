import numpy as np

from explorer_ui.maps import symbol_traces


def test_a_typed_symbol_name_reaches_the_legend_and_hover_as_plain_text():
    points, labels = np.zeros((2, 2)), np.array([0, 1])
    traces = symbol_traces(points, labels, ("<b>x</b> & <a href='//h'>y</a>", "**z**"))
    assert traces[0]["name"] == "“&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href='//h'&gt;y&lt;/a&gt;”"
    assert traces[0]["hovertemplate"].startswith("a drawing of “&lt;b&gt;x&lt;/b&gt; &amp; ")
    assert traces[1]["name"] == "“**z**”"  # Plotly shows Markdown signs as they are
