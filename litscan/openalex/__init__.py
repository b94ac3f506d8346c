"""The OpenAlex API: HTTP transport, the client and its retry policy, cursor paging, group_by
counts, query cost plans, and the resumable page cache.

May import: the top-level ``litscan.errors``, ``litscan.config``, ``litscan.fileio``,
``litscan.jsontext`` and :mod:`litscan.tables.folder` (the one filter parser). Never ``claims``,
``report``, ``workflows`` or the CLI.
"""
