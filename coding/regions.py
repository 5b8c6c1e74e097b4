"""World regions derived from a case's country, as the review's Figure 1 groups them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    EUROPE = "Europe", _("Europe")
    NORTH_AMERICA = "North America", _("North America")
    SOUTH_AMERICA = "South America", _("South America")
    ASIA = "Asia", _("Asia")
    OCEANIA = "Oceania", _("Oceania")
    AFRICA = "Africa", _("Africa")


_COUNTRIES = {
    Region.EUROPE: """
        UK, United Kingdom, England, Scotland, Wales, Northern Ireland, Ireland, Sweden, Finland,
        Norway, Denmark, Iceland, Netherlands, Belgium, Luxembourg, Germany, Austria, Switzerland,
        France, Spain, Portugal, Italy, Malta, Greece, Cyprus, Poland, Czech Republic, Czechia,
        Slovakia, Hungary, Slovenia, Croatia, Serbia, Bosnia and Herzegovina, Montenegro,
        North Macedonia, Albania, Kosovo, Bulgaria, Romania, Moldova, Ukraine, Belarus, Lithuania,
        Latvia, Estonia, Russia, Turkey
    """,
    Region.NORTH_AMERICA: """
        US, USA, United States, Canada, Mexico, Guatemala, Honduras, El Salvador, Nicaragua,
        Costa Rica, Panama, Cuba, Jamaica, Haiti, Dominican Republic
    """,
    Region.SOUTH_AMERICA: """
        Brazil, Argentina, Chile, Colombia, Peru, Venezuela, Ecuador, Bolivia, Paraguay, Uruguay
    """,
    Region.ASIA: """
        China, Japan, South Korea, Korea, North Korea, Taiwan, Hong Kong, Mongolia, Vietnam,
        Thailand, Cambodia, Laos, Myanmar, Malaysia, Singapore, Indonesia, Philippines, India,
        Pakistan, Bangladesh, Sri Lanka, Nepal, Bhutan, Afghanistan, Iran, Iraq, Israel, Jordan,
        Lebanon, Syria, Saudi Arabia, United Arab Emirates, Qatar, Kuwait, Oman, Yemen,
        Kazakhstan, Uzbekistan, Georgia, Armenia, Azerbaijan
    """,
    Region.OCEANIA: "Australia, New Zealand, Fiji, Papua New Guinea, Samoa, Tonga",
    Region.AFRICA: """
        South Africa, Nigeria, Kenya, Ethiopia, Ghana, Egypt, Morocco, Algeria, Tunisia, Uganda,
        Tanzania, Rwanda, Senegal, Cameroon, Zimbabwe, Zambia, Mozambique, Malawi, Botswana,
        Namibia, Mali, Niger, Sudan
    """,
}

COUNTRY_REGION: dict[str, str] = {
    country.strip().lower(): region
    for region, names in _COUNTRIES.items()
    for country in names.split(",")
    if country.strip()
}


def region_for_country(country: str) -> str:
    """Region of a country name, or "" when the country is not in the table."""
    return COUNTRY_REGION.get(country.strip().lower(), "")
