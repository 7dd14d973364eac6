"""French dates as the portal shows them: "2 déc. 2026", "2 déc. 2026, 14:17"
(month abbreviations in lower case, as French writes them)."""

DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
TIME_FORMAT = "H:i"
