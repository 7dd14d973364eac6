"""Permission-matrix rows for Phase One scoring, moderation, decisions and Phase Two.

Filled by the area's engineers; the format is explained in tests/permissions/__init__.py:

    ROWS = [("accreditation:some_page", lambda s: {"pk": s.workshop.pk}, expect(403, anonymous=302, secretariat=200))]

Optionally define `extend_scenario(scenario)` to add the objects these URLs need
to `scenario.extra`.
"""

from .helpers import expect, no_kwargs  # noqa: F401 (for the rows to come)

ROWS = []
