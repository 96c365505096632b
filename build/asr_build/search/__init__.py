"""The optimisation search: variants -> graphs -> timing (own processes) -> accuracy -> cost -> selection
-> report.

Run it with ``python -m asr_build.search`` (``make search``). This package's ``worker`` module is what
each measured process runs, so nothing here imports torch at module level.
"""
