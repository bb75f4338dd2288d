from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    """Django's login form, with the user name held to the account's length before anything looks it up.

    AuthenticationForm sets ``max_length`` after the field is built, so no validator checks it: a
    10,000-character name reached ``authenticate`` and axes' record of the failure (a 255-character
    column) answered 500 on PostgreSQL (red team). Refused here, nothing is recorded.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
