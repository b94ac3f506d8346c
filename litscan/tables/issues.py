"""What went wrong while decoding records: :class:`RecordIssues` (counts, the first examples) and
the bounds that keep a bad input cheap.

* Bad-record messages are logged (WARNING) for the first :data:`LOG_FIRST` records of a batch,
  then only counted (DEBUG), so a file of a million bad lines writes a few lines, not a million;
  a documented coercion is one warning per batch.
* An input whose records are mostly bad (more than :data:`MAX_BAD_RATIO`, once at least
  :data:`MIN_BAD_TO_STOP` are bad) stops with one line: :meth:`RecordIssues.check_ratio`
  (ingest checks it after every batch of a partition, the records path after every batch of a
  file).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from litscan.errors import InputDataError

__all__ = ["RecordIssues", "MAX_EXAMPLES", "LOG_FIRST", "MAX_BAD_RATIO", "MIN_BAD_TO_STOP"]

log = logging.getLogger("litscan.tables.decode")
MAX_EXAMPLES = 5
#: bad-record messages logged (WARNING) per input batch; the rest are counted (and logged at
#: DEBUG), so a file of a million bad lines writes a few lines, not a million
LOG_FIRST = 5
#: a partition or file stops when more than this share of its records is bad ...
MAX_BAD_RATIO = 0.5
#: ... once at least this many records are bad (a handful of bad records never stops anything)
MIN_BAD_TO_STOP = 1000


@dataclass
class RecordIssues:
    """Counts of skipped records, coerced fields and invalid country codes, with the first few
    messages (each names the source, the record number and the work id)."""

    skipped: int = 0
    coerced: int = 0
    invalid_countries: int = 0
    examples: list[str] = field(default_factory=list)
    logged: int = 0

    def _note(self, msg: str) -> None:
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(msg)

    def _log(self, text: str, msg: str) -> None:
        """The first :data:`LOG_FIRST` messages at WARNING, then one line saying the rest are
        only counted; the rest at DEBUG (``LITSCAN_DEBUG``-level detail, never a flood)."""
        self.logged += 1
        if self.logged <= LOG_FIRST:
            log.warning("%s", text)
            if self.logged == LOG_FIRST:
                source = msg.split(": ", 1)[0]
                log.warning(
                    "%s: further bad records in this batch are counted, not logged (the summary "
                    "gives the totals)",
                    source,
                )
        else:
            log.debug("%s", text)

    def skip(self, msg: str) -> None:
        self.skipped += 1
        self._note(msg)
        self._log(f"skipped {msg}", msg)

    def coerce(self, msg: str) -> None:
        """A documented coercion (``countries: "US"`` read as ``["US"]``): one warning for the
        first of a batch, the others counted (the summary gives the total)."""
        self.coerced += 1
        self._note(msg)
        if self.coerced == 1:
            log.warning("coerced %s (further coercions in this batch are counted, not logged)", msg)
        else:
            log.debug("coerced %s", msg)

    def invalid_country(self, n: int, msg: str) -> None:
        self.invalid_countries += n
        self._note(msg)
        self._log(msg, msg)

    def check_ratio(self, n_records: int, source: str) -> None:
        """Raise :class:`InputDataError` (one line) when more than :data:`MAX_BAD_RATIO` of
        ``n_records`` are bad and at least :data:`MIN_BAD_TO_STOP` are: such an input is not a
        works file with a few bad records but something else (or garbage)."""
        if self.skipped >= MIN_BAD_TO_STOP and self.skipped > MAX_BAD_RATIO * max(n_records, 1):
            first = f"; first: {self.examples[0]}" if self.examples else ""
            raise InputDataError(
                f"{source}: expected OpenAlex work records with few bad ones, got "
                f"{self.skipped:,} bad of {n_records:,} records read (more than "
                f"{MAX_BAD_RATIO:.0%}); stopped{first}",
                hint="is this a works file or snapshot partition? the bad-record limit is "
                "documented in docs/reliability.md",
            )

    def merge(self, other: RecordIssues) -> None:
        self.skipped += other.skipped
        self.coerced += other.coerced
        self.invalid_countries += other.invalid_countries
        for msg in other.examples:
            self._note(msg)

    def __bool__(self) -> bool:
        return bool(self.skipped or self.coerced or self.invalid_countries)

    def summary(self) -> str:
        """One line: counts and the first example."""
        parts = []
        if self.skipped:
            parts.append(f"{self.skipped} bad record(s) skipped")
        if self.coerced:
            parts.append(f"{self.coerced} field(s) coerced")
        if self.invalid_countries:
            parts.append(f"{self.invalid_countries} invalid country code(s) dropped")
        text = ", ".join(parts) or "no record issues"
        return f"{text}; first: {self.examples[0]}" if self.examples else text

    def to_json(self) -> dict[str, Any]:
        return {
            "skipped": self.skipped,
            "coerced": self.coerced,
            "invalid_countries": self.invalid_countries,
            "examples": list(self.examples),
        }
