"""Representation 7: the engine's events → a Typst document (``report.typ``).

``sink`` streams each event to ``body.typ`` in the line format ``body`` declares;
``layout`` says what the template draws; ``template`` renders the Jinja2 preamble
(StrictUndefined; the one place values are escaped); ``row_writer`` generates the
function that writes a detail row; ``typst_text`` makes Typst string literals.
"""
