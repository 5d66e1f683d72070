"""Finding an area or a district by name, offline: what a search box on a map page matches.

A name and a query are compared after :func:`fold_names`, which drops what a reader does not
type: letter case, Latin diacritics and Vietnamese tones ("ha noi" finds "Hà Nội", "đ" is "d"),
Arabic harakat, the Arabic letter forms of Persian letters (ي/ى/ئ → ی, ك → ک, ة/ۀ → ه,
آ/أ/إ → ا), Persian and Arabic-Indic digits (→ 0–9), ZWNJ, tatweel, punctuation and spacing.

:func:`place_names` lists what can be found (each area, and each district once, with every name
column the workspace has), :func:`search_places` ranks the places whose names hold the query.
Both are vectorised over the names (pandas string methods), with no loop over rows.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["RANKS", "fold_names", "name_columns", "place_names", "search_places"]

#: Ranks of a match, best first: the whole name, its start, a word's start, anywhere in it, and
#: anywhere once spaces are ignored ("hanoi" in "Ha Noi", "نازیآباد" in "نازی آباد").
RANKS = ("exact", "prefix", "word", "inside", "unspaced")

_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ة": "ه",
        "ە": "ه",  # ۀ after NFKD (ە + hamza above)
        "ٱ": "ا",
        "đ": "d",
        "Đ": "d",
        "ı": "i",
        "\u200c": " ",  # ZWNJ
        "\u200d": "",  # ZWJ
        "\u200e": "",  # LRM
        "\u200f": "",  # RLM
        "\u2068": "",  # bidi isolates
        "\u2069": "",
        "ـ": "",  # tatweel
        **{c: str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")},
        **{c: str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")},
    }
)
# Combining marks: Latin accents and Vietnamese tones (after NFKD), Arabic harakat, madda and
# hamza above or below (آ → ا, ئ → ی after NFKD).
_MARKS = r"[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed]"
# Whatever is neither a letter nor a digit separates words.
_SEPARATORS = r"[\W_]+"


def fold_names(names: pd.Series) -> pd.Series:
    """Names as a search compares them (see the module's text); a missing name gives "".

    Parameters
    ----------
    names : pandas.Series
        Any values; non-strings are read as text.

    Returns
    -------
    pandas.Series
        Of strings, on ``names``' index: lower case, unaccented, words separated by one space.
    """
    text = names.astype("string").fillna("")
    folded = (
        text.str.normalize("NFKD")
        .str.translate(_LETTERS)
        .str.replace(_MARKS, "", regex=True)
        .str.casefold()
        .str.replace(_SEPARATORS, " ", regex=True)
        .str.strip()
    )
    return folded.astype(object)


def name_columns(frame: pd.DataFrame, column: str) -> list[str]:
    """``column`` and its per-language columns (``name``, ``name_fa``, ``name_vi``...) that
    ``frame`` has, in that order."""
    prefix = f"{column}_"
    extra = sorted(c for c in frame.columns if c.startswith(prefix) and len(c) <= len(prefix) + 3)
    return [c for c in [column, *extra] if c in frame.columns]


def place_names(areas: pd.DataFrame) -> pd.DataFrame:
    """What a search can find in ``areas``: each area, and each district once.

    Returns
    -------
    pandas.DataFrame
        ``kind`` ("area" / "district"), ``id`` (the area's or the district's id, as text),
        ``district_id`` (the area's district, or the district itself) and ``names``: a list per
        place of every name it has (``name``, ``name_fa``... for an area, with its id;
        ``district_name``, ``district_name_fa``... for a district).
    """
    own = name_columns(areas, "name")
    area_rows = pd.DataFrame(
        {
            "kind": "area",
            "id": areas["area_id"].astype(str).to_numpy(),
            "district_id": (
                areas["district_id"].astype("string").to_numpy() if "district_id" in areas else None
            ),
        }
    )
    area_rows["names"] = areas[[*own, "area_id"]].to_numpy(dtype=object).tolist()
    if "district_id" not in areas or not areas["district_id"].notna().any():
        return area_rows
    named = name_columns(areas, "district_name")
    districts = areas[["district_id", *named]].dropna(subset="district_id")
    districts = districts.drop_duplicates("district_id")
    district_rows = pd.DataFrame(
        {
            "kind": "district",
            "id": districts["district_id"].astype(str).to_numpy(),
            "district_id": districts["district_id"].astype("string").to_numpy(),
        }
    )
    district_rows["names"] = (
        districts[named].to_numpy(dtype=object).tolist()
        if named
        else district_rows[["id"]].to_numpy(dtype=object).tolist()
    )
    return pd.concat([area_rows, district_rows], ignore_index=True)


def search_places(places: pd.DataFrame, query: str, *, limit: int = 8) -> pd.DataFrame:
    """The places (:func:`place_names`) whose names hold ``query``, best first.

    A place's rank is its best name's (:data:`RANKS`: the whole name, its start, a word's start,
    anywhere, anywhere ignoring spaces); ties go to districts before areas (a district's name
    is the wider answer), then to the shorter name, then by name.

    Parameters
    ----------
    places : pandas.DataFrame
        From :func:`place_names` (a partner's: only its own areas).
    query : str
        What the reader typed, in any script, with or without accents.
    limit : int, default 8
        The most places returned.

    Returns
    -------
    pandas.DataFrame
        ``places``' rows that match (their index kept), with ``rank`` (an index into
        :data:`RANKS`) and ``matched`` (the name that matched, as stored); empty when the
        query folds to nothing.
    """
    needle = fold_names(pd.Series([query])).iloc[0]
    empty = places.iloc[:0].assign(rank=pd.Series(dtype="int64"), matched=pd.Series(dtype=object))
    if not needle or places.empty:
        return empty
    names = places["names"].explode().dropna()
    names = names[names.astype(str).str.strip() != ""]
    if names.empty:
        return empty
    folded = fold_names(names)
    spaced = " " + folded
    unspaced = folded.str.replace(" ", "", regex=False)
    tight = needle.replace(" ", "")
    rank = pd.Series(len(RANKS), index=names.index, dtype="int64")
    for position, hit in reversed(
        list(
            enumerate(
                (
                    folded == needle,
                    folded.str.startswith(needle),
                    spaced.str.contains(" " + needle, regex=False),
                    folded.str.contains(needle, regex=False),
                    unspaced.str.contains(tight, regex=False),
                )
            )
        )
    ):
        rank = rank.mask(hit.to_numpy(bool), position)
    found = pd.DataFrame(
        {"rank": rank, "matched": names.astype(str), "length": folded.str.len()},
        index=names.index,
    )
    found = found[found["rank"] < len(RANKS)]
    if found.empty:
        return empty
    found = found.rename_axis("_place").reset_index()
    best = found.sort_values(["rank", "length", "matched"]).drop_duplicates("_place")
    out = places.loc[best["_place"].to_numpy()].assign(
        rank=best["rank"].to_numpy(), matched=best["matched"].to_numpy()
    )
    out["_district_first"] = (out["kind"] != "district").astype(int)
    out["_length"] = best["length"].to_numpy()
    out = out.sort_values(["rank", "_district_first", "_length", "matched"], kind="stable")
    return out.drop(columns=["_district_first", "_length"]).head(limit)
