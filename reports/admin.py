from django.contrib import admin, messages

from . import services
from .models import ApiToken

MESSAGE_TOKEN_ISSUED = "APIトークンを発行しました。キーは今回だけ表示されます。控えてください: {key}"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["user"]
    fields = ["user", "name", "is_active", "prefix", "created_at"]
    readonly_fields = ["prefix", "created_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = services.api_token_create(user=obj.user, name=obj.name)
        obj.pk = token.pk
        self.message_user(request, MESSAGE_TOKEN_ISSUED.format(key=key), messages.WARNING)

    @admin.action(description="選択したトークンを無効にする")
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token)
