"""Tables: snapshot reading and decoding, abstracts, normalising OpenAlex records into tidy
tables, filters, schemas, the tables folder and the embedded datasets.

May import: the top-level ``litscan.errors``, ``litscan.config``, ``litscan.fileio`` and
``litscan.jsontext`` only (the lowest stage).
"""
