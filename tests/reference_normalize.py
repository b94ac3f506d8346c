"""Today's (pre-issue-13) per-record normaliser, frozen here as the REFERENCE for parity tests.

It is the record loop ``litscan.tables.normalize.normalize_works`` used to be: written independently of
the vectorised normaliser that replaced it, so ``assert_frame_equal(new, reference)`` on real and
synthetic records proves the new path produces the same tables. Not used by litscan itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from litscan.errors import MalformedRecordError
from litscan.tables import schemas
from litscan.tables.normalize import Tables, work_countries


def short_id(value: Any) -> str | None:
    """``https://openalex.org/W123`` -> ``W123``; ``https://openalex.org/subfields/1702`` -> ``1702``."""
    if value is None:
        return None
    text = str(value)
    return text.rstrip("/").rsplit("/", 1)[-1] or None


def _doi(value: Any) -> str | None:
    if not value:
        return None
    text = str(value).strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text or None


def rebuild_abstract(inverted_index: Mapping[str, Iterable[int]] | None) -> str | None:
    """Rebuild an abstract from OpenAlex's ``abstract_inverted_index`` (word -> positions).

    Words are placed at their positions and joined by single spaces; positions that no word claims
    are skipped. Returns None for a missing or empty index.
    """
    if not inverted_index:
        return None
    slots: dict[int, str] = {}
    for word, positions in inverted_index.items():
        for pos in positions:
            slots[int(pos)] = word
    return " ".join(slots[i] for i in sorted(slots)) or None


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, Mapping):
            return None
        d = d.get(key)
    return d


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _distinct(values: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(str(v).upper())
    return out


def _check_list(record: Mapping, key: str, where: str) -> list:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedRecordError(
            f"{where}: field '{key}' should be a list, got {type(value).__name__}",
            hint="pass work objects exactly as the OpenAlex API returns them",
        )
    return value


def reference_tables(records: Iterable[Mapping[str, Any]], *, source: str = "records") -> Tables:
    """Turn raw OpenAlex work objects into :class:`Tables`.

    ``source`` names the input in error messages (a file name, a URL). Duplicate work ids are an
    error: the caller is expected to deduplicate, so a double fetch cannot inflate counts silently.
    """
    w_cols: dict[str, list] = {name: [] for name in schemas.WORKS}
    a_cols: dict[str, list] = {name: [] for name in schemas.AUTHORSHIPS}
    t_cols: dict[str, list] = {name: [] for name in schemas.WORK_TOPICS}
    seen: dict[str, int] = {}

    for i, rec in enumerate(records):
        where = f"{source}: record {i}"
        if not isinstance(rec, Mapping):
            raise MalformedRecordError(
                f"{where}: expected a JSON object (an OpenAlex work), got {type(rec).__name__}",
                hint="each line/element must be one work object",
            )
        wid = short_id(rec.get("id"))
        if not wid or not wid.startswith("W"):
            raise MalformedRecordError(
                f"{where}: expected an OpenAlex work id like 'https://openalex.org/W…' in 'id', "
                f"got {rec.get('id')!r}",
                hint="is this a work record (not an author, source or a whole API page)?",
            )
        where = f"{source}: record {i} ({wid})"
        if wid in seen:
            raise MalformedRecordError(
                f"{where}: duplicate work id, first seen at record {seen[wid]}",
                hint="deduplicate the input (litscan's fetcher never stores a work twice)",
            )
        seen[wid] = i
        year = rec.get("publication_year")
        if year is not None and not isinstance(year, int):
            raise MalformedRecordError(
                f"{where}: 'publication_year' should be an integer, got {year!r}"
            )
        authorships = _check_list(rec, "authorships", where)
        topics = _check_list(rec, "topics", where)
        pt = rec.get("primary_topic") or {}
        pct = rec.get("citation_normalized_percentile") or {}
        src = _get(rec, "primary_location", "source") or {}
        inv = rec.get("abstract_inverted_index")
        if inv is not None and not isinstance(inv, Mapping):
            raise MalformedRecordError(
                f"{where}: 'abstract_inverted_index' should be an object, got {type(inv).__name__}"
            )

        row = {
            "id": wid,
            "doi": _doi(rec.get("doi")),
            "title": rec.get("title") or rec.get("display_name"),
            "abstract": rebuild_abstract(inv),
            "year": year,
            "publication_date": _date(rec.get("publication_date")),
            "type": rec.get("type"),
            "language": rec.get("language"),
            "cited_by_count": rec.get("cited_by_count"),
            "fwci": rec.get("fwci"),
            "citation_percentile": pct.get("value") if isinstance(pct, Mapping) else None,
            "is_top_1_percent": pct.get("is_in_top_1_percent")
            if isinstance(pct, Mapping)
            else None,
            "is_top_10_percent": pct.get("is_in_top_10_percent")
            if isinstance(pct, Mapping)
            else None,
            "primary_topic_id": short_id(pt.get("id")),
            "primary_topic": pt.get("display_name"),
            "subfield_id": short_id(_get(pt, "subfield", "id")),
            "subfield": _get(pt, "subfield", "display_name"),
            "field_id": short_id(_get(pt, "field", "id")),
            "field": _get(pt, "field", "display_name"),
            "domain_id": short_id(_get(pt, "domain", "id")),
            "domain": _get(pt, "domain", "display_name"),
            "source_id": short_id(src.get("id")),
            "source": src.get("display_name"),
            "is_retracted": rec.get("is_retracted"),
            "is_authors_truncated": rec.get("is_authors_truncated"),
            "n_authors": len(authorships) if "authorships" in rec else None,
            "venue_field": None,
            "status": None,
        }
        for name, value in row.items():
            w_cols[name].append(value)

        for pos, au in enumerate(authorships):
            if not isinstance(au, Mapping):
                raise MalformedRecordError(
                    f"{where}: authorships[{pos}] should be an object, got {type(au).__name__}"
                )
            insts = [x for x in (au.get("institutions") or []) if isinstance(x, Mapping)]
            a_cols["work_id"].append(wid)
            a_cols["position"].append(pos)
            a_cols["author_id"].append(short_id(_get(au, "author", "id")))
            a_cols["institution_ids"].append([short_id(x.get("id")) for x in insts if x.get("id")])
            a_cols["institution_countries"].append(_distinct(x.get("country_code") for x in insts))
            a_cols["countries"].append(_distinct(au.get("countries") or []))

        primary_id = short_id(pt.get("id"))
        for rank, tp in enumerate(topics):
            if not isinstance(tp, Mapping):
                raise MalformedRecordError(
                    f"{where}: topics[{rank}] should be an object, got {type(tp).__name__}"
                )
            tid = short_id(tp.get("id"))
            t_cols["work_id"].append(wid)
            t_cols["topic_id"].append(tid)
            t_cols["topic"].append(tp.get("display_name"))
            t_cols["score"].append(tp.get("score"))
            t_cols["rank"].append(rank)
            t_cols["is_primary"].append(tid is not None and tid == primary_id)
            for level in ("subfield", "field", "domain"):
                t_cols[f"{level}_id"].append(short_id(_get(tp, level, "id")))
                t_cols[level].append(_get(tp, level, "display_name"))

    works = schemas.frame(w_cols, schemas.WORKS)
    authorships_df = schemas.frame(a_cols, schemas.AUTHORSHIPS)
    topics_df = schemas.frame(t_cols, schemas.WORK_TOPICS)
    return Tables(
        works=works,
        authorships=authorships_df,
        work_countries=work_countries(authorships_df, works=works),
        work_topics=topics_df,
    )
