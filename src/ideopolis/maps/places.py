"""Names of the groups maps caption with: US states and territories (USPS codes), European countries (GISCO codes).

Print maps caption an inset with the state or country its regions belong to ("Alaska", "Portugal"), and the
region card can name it. The codes are those of the bundled sets' ``state`` and ``country`` groups: USPS
two-letter codes (USPS Publication 28, Appendix B) and Eurostat/GISCO country codes, which follow ISO 3166-1
alpha-2 except ``EL`` (Greece) and ``UK`` (United Kingdom) (Eurostat, *Glossary: Country codes*).

Examples
--------
>>> place_name("AK"), place_name("EL"), place_name("XX")
('Alaska', 'Greece', 'XX')
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["COUNTRIES", "US_STATES", "place_name"]

#: USPS codes of the states, DC and the territories (USPS Publication 28, Appendix B).
US_STATES: Mapping[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AS": "American Samoa",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "GU": "Guam",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "MP": "Northern Mariana Islands",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "PR": "Puerto Rico",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VI": "U.S. Virgin Islands",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}

#: Eurostat/GISCO country codes of the NUTS classification and its candidate and EFTA countries.
COUNTRIES: Mapping[str, str] = {
    "AL": "Albania",
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "CH": "Switzerland",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DE": "Germany",
    "DK": "Denmark",
    "EE": "Estonia",
    "EL": "Greece",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "HR": "Croatia",
    "HU": "Hungary",
    "IE": "Ireland",
    "IS": "Iceland",
    "IT": "Italy",
    "LI": "Liechtenstein",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "ME": "Montenegro",
    "MK": "North Macedonia",
    "MT": "Malta",
    "NL": "Netherlands",
    "NO": "Norway",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "RS": "Serbia",
    "SE": "Sweden",
    "SI": "Slovenia",
    "SK": "Slovakia",
    "TR": "Türkiye",
    "UK": "United Kingdom",
}


def place_name(code: str, kind: str = "") -> str:
    """Return the name of a state or country code, or the code itself when it is not known.

    Parameters
    ----------
    code : str
        A USPS or GISCO code.
    kind : str
        ``"state"`` or ``"country"`` when the group is known (two-letter codes overlap: ``AL`` is Alabama and
        Albania); otherwise states are tried first.

    Returns
    -------
    str
    """
    tables = (COUNTRIES,) if kind == "country" else (US_STATES,) if kind == "state" else (US_STATES, COUNTRIES)
    for table in tables:
        if code in table:
            return table[code]
    return code
