"""Representation 6: the event stream from the engine to its consumers.

``events`` declares the ``Sink`` calls; ``deferred`` resolves values that are final
only later (a header's total); ``result`` builds the JSON result (CONTRACT.md §3) from
the events; ``sinks`` fans one stream out to several consumers.
"""
