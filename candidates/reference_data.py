"""Public reference data: WCO regions and the Asia/Pacific members.

The membership changes over time, so it lives in the database; this module only
seeds it. Codes are ISO 3166-1 alpha-3.
"""

from django.db import transaction

from .enums import AdministrationKind
from .models import Administration, Region

REGIONS = [
    ("americas", "Americas and Caribbean", "Montevideo"),
    ("europe", "Europe", "Baku"),
    ("asia-pacific", "Asia/Pacific", "Bangkok"),
    ("mena", "North of Africa, Near and Middle East", "United Arab Emirates"),
    ("esa", "East and Southern Africa", "Nairobi"),
    ("wca", "West and Central Africa", "Abidjan"),
]

ASIA_PACIFIC = [
    ("AFG", "Afghanistan", AdministrationKind.STATE),
    ("BGD", "Bangladesh", AdministrationKind.STATE),
    ("BTN", "Bhutan", AdministrationKind.STATE),
    ("IND", "India", AdministrationKind.STATE),
    ("IRN", "Iran", AdministrationKind.STATE),
    ("MDV", "Maldives", AdministrationKind.STATE),
    ("NPL", "Nepal", AdministrationKind.STATE),
    ("PAK", "Pakistan", AdministrationKind.STATE),
    ("LKA", "Sri Lanka", AdministrationKind.STATE),
    ("CHN", "China", AdministrationKind.STATE),
    ("HKG", "Hong Kong, China", AdministrationKind.TERRITORY),
    ("MAC", "Macao, China", AdministrationKind.TERRITORY),
    ("MNG", "Mongolia", AdministrationKind.STATE),
    ("JPN", "Japan", AdministrationKind.STATE),
    ("KOR", "Korea", AdministrationKind.STATE),
    ("BRN", "Brunei Darussalam", AdministrationKind.STATE),
    ("KHM", "Cambodia", AdministrationKind.STATE),
    ("IDN", "Indonesia", AdministrationKind.STATE),
    ("MYS", "Malaysia", AdministrationKind.STATE),
    ("MMR", "Myanmar", AdministrationKind.STATE),
    ("LAO", "Lao PDR", AdministrationKind.STATE),
    ("PHL", "Philippines", AdministrationKind.STATE),
    ("SGP", "Singapore", AdministrationKind.STATE),
    ("THA", "Thailand", AdministrationKind.STATE),
    ("VNM", "Viet Nam", AdministrationKind.STATE),
    ("AUS", "Australia", AdministrationKind.STATE),
    ("FJI", "Fiji", AdministrationKind.STATE),
    ("NZL", "New Zealand", AdministrationKind.STATE),
    ("PNG", "Papua New Guinea", AdministrationKind.STATE),
    ("PLW", "Palau", AdministrationKind.STATE),
    ("WSM", "Samoa", AdministrationKind.STATE),
    ("SLB", "Solomon Islands", AdministrationKind.STATE),
    ("TLS", "Timor-Leste", AdministrationKind.STATE),
    ("TON", "Tonga", AdministrationKind.STATE),
    ("VUT", "Vanuatu", AdministrationKind.STATE),
]


@transaction.atomic
def reference_data_load() -> None:
    """Create or refresh the regions and Asia/Pacific members (idempotent)."""
    regions = {}
    for order, (code, name, office) in enumerate(REGIONS):
        regions[code], _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "regional_office": office, "order": order}
        )
    for code, name, kind in ASIA_PACIFIC:
        Administration.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "region": regions["asia-pacific"]}
        )
