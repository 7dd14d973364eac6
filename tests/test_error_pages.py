"""The portal's own error pages."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_unknown_page_answers_404_with_a_way_home(client):
    client.force_login(UserFactory())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert 'href="/"' in content
