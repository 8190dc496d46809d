"""tests/micrograd: micrograd's API on this engine (autograd_tiny.micrograd).

``upstream/`` holds verbatim copies of three files of micrograd (imports changed
only): they are run by the tests here, never collected by pytest on their own
(the copied ``test/test_engine.py`` imports torch at its top; it runs in a pytest
of its own when torch is installed, see test_micrograd_upstream.py).
"""

collect_ignore = ["upstream"]
