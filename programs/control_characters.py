"""Text a request carries may not hold control characters: one rule for forms, filters and the safety net.

PostgreSQL cannot store a NUL in a text value (psycopg2 refuses it before the query is sent),
so a NUL that reaches a lookup answered 500; the other C0/C1 controls and DEL are never typed
by a user, break the XML of every workbook the text reaches (openpyxl refuses them) and hide
text on screen. A query parameter may hold none of them. A posted field may still hold the
tab, line feed and carriage return that a textarea sends.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

ERROR_CONTROL_CHARACTERS = "制御文字（NUL など）を含む指定は受け付けられません。入力内容または URL を確認してください。"
LINE_BREAKS = frozenset("\t\n\r")


def has_control_characters(text: str, *, allow_line_breaks: bool = False) -> bool:
    """Return whether ``text`` holds a control character (Unicode category Cc: C0, DEL, C1).

    With ``allow_line_breaks`` the tab, line feed and carriage return of a textarea pass.
    """
    return any(unicodedata.category(char) == "Cc" and not (allow_line_breaks and char in LINE_BREAKS) for char in text)


def refuse_control_characters(value: str) -> None:
    """Validate that a one-line value (a query parameter, a name) holds no control character."""
    if has_control_characters(str(value)):
        raise ValidationError(ERROR_CONTROL_CHARACTERS, code="control_characters")


class QueryTextField(forms.CharField):
    """A text query parameter that reaches a lookup: one line, no control characters, bounded length."""

    default_validators = [refuse_control_characters]

    def __init__(self, *, max_length: int = 200, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(max_length=max_length, **kwargs)
