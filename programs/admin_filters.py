"""Admin list filters whose choices are fetched with what their labels need, in one query."""

from django.contrib import admin


def related_filter(*select_related: str) -> type[admin.RelatedFieldListFilter]:
    """Return a RelatedFieldListFilter that loads its choices with ``select_related``.

    The stock filter calls ``str()`` on each choice; for an area or item that reads the plan,
    which would cost one query per choice.
    """

    class SelectRelatedFieldListFilter(admin.RelatedFieldListFilter):
        def field_choices(self, field, request, model_admin):
            related_model = field.remote_field.model
            choices = related_model._default_manager.select_related(*select_related)
            return [(obj.pk, str(obj)) for obj in choices]

    return SelectRelatedFieldListFilter


AreaFilter = related_filter("plan")
