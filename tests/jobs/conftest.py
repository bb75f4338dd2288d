"""The sheets tests' users (each role on Tokyo's data) for the job pages."""

from tests.sheets.conftest import admin_user, manager_user, staff_user  # noqa: F401
