"""Reads about the logged-in user that every page's header shows."""


def user_section_names(user) -> list[str]:
    """Return the names of the sections the user belongs to, in the sections' order (one query)."""
    if not user.is_authenticated:
        return []
    return list(user.sections.order_by("order", "name").values_list("name", flat=True))
