"""Representation 8: a finished Typst document → PDF, PNG or SVG pages.

``compile`` (typst-py in a private root), ``fonts`` (the fonts reportdsl ships),
``glyphs`` (characters no font draws, reported), ``typst_messages`` (Typst's
diagnostics as text).
"""
