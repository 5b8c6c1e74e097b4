"""Country names as cases spell them -> ISO 3166-1 alpha-3 codes, for the dashboard's world map.

Covers every country that coding.regions knows. The constituent countries of the UK map to GBR,
since the map has no separate shapes for them.
"""

ISO3: dict[str, str] = {
    # Europe
    "uk": "GBR", "united kingdom": "GBR", "england": "GBR", "scotland": "GBR", "wales": "GBR",
    "northern ireland": "GBR", "ireland": "IRL", "sweden": "SWE", "finland": "FIN",
    "norway": "NOR", "denmark": "DNK", "iceland": "ISL", "netherlands": "NLD", "belgium": "BEL",
    "luxembourg": "LUX", "germany": "DEU", "austria": "AUT", "switzerland": "CHE",
    "france": "FRA", "spain": "ESP", "portugal": "PRT", "italy": "ITA", "malta": "MLT",
    "greece": "GRC", "cyprus": "CYP", "poland": "POL", "czech republic": "CZE", "czechia": "CZE",
    "slovakia": "SVK", "hungary": "HUN", "slovenia": "SVN", "croatia": "HRV", "serbia": "SRB",
    "bosnia and herzegovina": "BIH", "montenegro": "MNE", "north macedonia": "MKD",
    "albania": "ALB", "kosovo": "XKX", "bulgaria": "BGR", "romania": "ROU", "moldova": "MDA",
    "ukraine": "UKR", "belarus": "BLR", "lithuania": "LTU", "latvia": "LVA", "estonia": "EST",
    "russia": "RUS", "turkey": "TUR",
    # North America
    "us": "USA", "usa": "USA", "united states": "USA", "canada": "CAN", "mexico": "MEX",
    "guatemala": "GTM", "honduras": "HND", "el salvador": "SLV", "nicaragua": "NIC",
    "costa rica": "CRI", "panama": "PAN", "cuba": "CUB", "jamaica": "JAM", "haiti": "HTI",
    "dominican republic": "DOM",
    # South America
    "brazil": "BRA", "argentina": "ARG", "chile": "CHL", "colombia": "COL", "peru": "PER",
    "venezuela": "VEN", "ecuador": "ECU", "bolivia": "BOL", "paraguay": "PRY", "uruguay": "URY",
    # Asia
    "china": "CHN", "japan": "JPN", "south korea": "KOR", "korea": "KOR", "north korea": "PRK",
    "taiwan": "TWN", "hong kong": "HKG", "mongolia": "MNG", "vietnam": "VNM", "thailand": "THA",
    "cambodia": "KHM", "laos": "LAO", "myanmar": "MMR", "malaysia": "MYS", "singapore": "SGP",
    "indonesia": "IDN", "philippines": "PHL", "india": "IND", "pakistan": "PAK",
    "bangladesh": "BGD", "sri lanka": "LKA", "nepal": "NPL", "bhutan": "BTN",
    "afghanistan": "AFG", "iran": "IRN", "iraq": "IRQ", "israel": "ISR", "jordan": "JOR",
    "lebanon": "LBN", "syria": "SYR", "saudi arabia": "SAU", "united arab emirates": "ARE",
    "qatar": "QAT", "kuwait": "KWT", "oman": "OMN", "yemen": "YEM", "kazakhstan": "KAZ",
    "uzbekistan": "UZB", "georgia": "GEO", "armenia": "ARM", "azerbaijan": "AZE",
    # Oceania
    "australia": "AUS", "new zealand": "NZL", "fiji": "FJI", "papua new guinea": "PNG",
    "samoa": "WSM", "tonga": "TON",
    # Africa
    "south africa": "ZAF", "nigeria": "NGA", "kenya": "KEN", "ethiopia": "ETH", "ghana": "GHA",
    "egypt": "EGY", "morocco": "MAR", "algeria": "DZA", "tunisia": "TUN", "uganda": "UGA",
    "tanzania": "TZA", "rwanda": "RWA", "senegal": "SEN", "cameroon": "CMR", "zimbabwe": "ZWE",
    "zambia": "ZMB", "mozambique": "MOZ", "malawi": "MWI", "botswana": "BWA", "namibia": "NAM",
    "mali": "MLI", "niger": "NER", "sudan": "SDN",
}


def iso3_for_country(country: str) -> str:
    """ISO-3 code of a country name ("UK" -> "GBR"), or "" when unknown."""
    return ISO3.get(country.strip().lower(), "")
