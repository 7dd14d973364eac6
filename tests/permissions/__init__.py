"""The role × URL permission matrix.

`test_matrix.py` walks EVERY URL pattern of the URLconf (recursively, skipping
admin/, i18n/ and static files) and fails when a pattern has no row, so a new
page cannot be forgotten. Each area declares its rows in its own module,
`matrix_<area>.py` (matrix_portal, matrix_assessment, matrix_certificates…),
which exports

    ROWS = [
        (url_name, kwargs_factory, {role: expected_status, ...}),
        (url_name, kwargs_factory, {role: expected_status, ...}, {"method": "post", "data": data_factory}),
    ]

- url_name: the namespaced name, e.g. "workshops:workshop_detail".
- kwargs_factory(scenario) -> dict: the URL's keyword arguments, taken from the
  scenario (tests/permissions/scenario.py). `no_kwargs` is there for URLs without any.
- expected: one status per role in scenario.ROLES (all seven must be given;
  `expect()` fills them from a default). The rules: anonymous → 302 to the
  login page (except public pages), an object outside the user's reach → 404,
  an action the user may not perform on an object they can see → 403.
- options (optional): {"method": "post", "data": data_factory(scenario) -> dict}.
  POST cells run against a fresh scenario each, so state changes never leak.

A module may also export `extend_scenario(scenario)`, called after the common
scenario is built, to add objects its URLs need (a decision, a certificate…)
under `scenario.extra[...]`.
"""
