"""Users and synthetic data for the report tests."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import MANAGER, STAFF
from accounts.services import roles_ensure

PASSWORD = "kaigo-reports-2026"


@pytest.fixture
def manager(db):
    groups = roles_ensure()
    user = get_user_model().objects.create_user("manager", password=PASSWORD, last_name="管理", first_name="花子")
    user.groups.set([groups[MANAGER]])
    return user


@pytest.fixture
def staff(db):
    groups = roles_ensure()
    user = get_user_model().objects.create_user("staff", password=PASSWORD)
    user.groups.set([groups[STAFF]])
    return user


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def count_queries(client, url: str, **extra) -> tuple[int, list[str]]:
    """Return how many queries a GET runs, with their SQL for the failure message."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries), [query["sql"] for query in context.captured_queries]
