"""English dates as the portal shows them: "2 Dec 2026", "2 Dec 2026, 14:17"."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
