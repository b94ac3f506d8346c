"""Topic labels: label definitions, text features, models, task labels, training, inference,
evaluation, the label cache, hand-label audits and label-error corrections.

May import: :mod:`litscan.stats`, :mod:`litscan.tables.folder` and the top-level cross-cutting modules.
Never ``claims``, ``report``, ``workflows`` or the CLI.
"""
