"""The main menu, built once for every page: which entries a user's roles see, and which is current.

Each page used to pass its own ``nav`` key and some pages extended a template that added
entries of their own, so 進捗一覧表 and 期間比較 vanished on the entry pages and the import page
lit up 入力状況. The menu is now a pure function of the user's roles and the URL name of the
request; a context processor hands it to ``templates/base.html``.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

from accounts.permissions import is_manager, is_staff_member, is_system_admin

from .product import PRODUCT_NAME, PRODUCT_SHORT_NAME

# Current page → the menu entry it belongs to. A page not listed here marks no entry.
_SECTIONS = {
    "reports:home": "home",
    "reports:dashboard": "dashboard",
    "reports:item": "dashboard",
    "reports:table": "table",
    "reports:compare": "compare",
    "reports:municipalities": "municipalities",
    "reports:municipality": "municipalities",
    "reports:grant_scores": "municipalities",
    "evaluations:my_work": "my_work",
    "evaluations:entry": "my_work",
    "evaluations:item_history": "my_work",
    "cycle:attachments": "my_work",
    "cycle:notices": "notices",
    "sheets:import_upload": "import",
    "sheets:import_confirm": "import",
    "evaluations:rollover_start": "rollover",
    "evaluations:rollover_preview": "rollover",
    "sheets:plan_sheet_upload": "plan_sheet",
    "sheets:plan_sheet_confirm": "plan_sheet",
    "cycle:reminders": "reminders",
}
# The URL name of each entry's own page (aria-current="page" there, "true" on its sub-pages).
_HOME = {
    "home": "reports:home",
    "dashboard": "reports:dashboard",
    "table": "reports:table",
    "compare": "reports:compare",
    "municipalities": "reports:municipalities",
    "my_work": "evaluations:my_work",
    "notices": "cycle:notices",
    "import": "sheets:import_upload",
    "rollover": "evaluations:rollover_start",
    "plan_sheet": "sheets:plan_sheet_upload",
    "reminders": "cycle:reminders",
}


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str
    url: str
    current: str  # "page", "true" (a page below this entry) or "" (another entry)


def menu_keys(*, staff: bool, manager: bool, admin: bool, superuser: bool) -> list[tuple[str, str]]:
    """Return (key, label) of the entries the roles see, in menu order."""
    keys = [
        ("home", "ホーム"),
        ("dashboard", "ダッシュボード"),
        ("table", "進捗一覧表"),
        ("compare", "期間比較"),
        ("municipalities", "区市町村"),
        ("my_work", "入力状況"),
        ("notices", "お知らせ"),
    ]
    if admin:
        keys.append(("rollover", "次期計画の作成"))
        keys.append(("plan_sheet", "シートから計画を作成"))
        keys.append(("reminders", "督促メール"))
    if staff or admin:
        keys.append(("import", "Excel一括入力"))
    if superuser:
        keys.append(("admin", "管理画面"))
    return keys


def current_of(key: str, url_name: str | None) -> str:
    """Return the aria-current value of the entry ``key`` on the page named ``url_name``."""
    if url_name is None or _SECTIONS.get(url_name) != key:
        return ""
    return "page" if _HOME.get(key) == url_name else "true"


def menu_for(user, url_name: str | None, *, plan_name: str = "") -> list[MenuEntry]:
    """Return the main menu for the user on the page named ``url_name`` (``app:name``)."""
    keys = menu_keys(
        staff=is_staff_member(user),
        manager=is_manager(user),
        admin=is_system_admin(user),
        superuser=user.is_superuser,
    )
    entries = []
    for key, label in keys:
        url = reverse("admin:index") if key == "admin" else reverse(_HOME[key])
        if key == "table" and plan_name:
            # Stay on the plan the user is reading.
            url = f"{url}?{urlencode({'plan': plan_name})}"
        entries.append(MenuEntry(key=key, label=label, url=url, current=current_of(key, url_name)))
    return entries


def navigation(request):
    """Expose the product name and, to a logged-in user, the main menu (built only when shown)."""
    context = {"product_name": PRODUCT_NAME, "product_short_name": PRODUCT_SHORT_NAME}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    match = getattr(request, "resolver_match", None)
    url_name = match.view_name if match else None
    plan_name = request.GET.get("plan", "")
    context["main_menu"] = SimpleLazyObject(lambda: menu_for(user, url_name, plan_name=plan_name))
    return context
