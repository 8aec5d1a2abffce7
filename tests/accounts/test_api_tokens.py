"""Personal API tokens: issued in the admin (secret shown once, stored hashed), revoked there; no HTTP Basic."""

import base64
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from inventory.roles import SHOP_MANAGER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RECEIPTS = "/api/v1/receipts/"


def _issue_in_admin(client, **data) -> str:
    response = client.post(reverse("admin:accounts_apitoken_add"), data)
    assert response.status_code == 200, response.content[:500]
    assert "no-store" in response["Cache-Control"]
    return re.search(r'id="api-token-secret"[^>]*>([^<]+)<', response.content.decode()).group(1)


def _api(secret: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def test_http_basic_no_longer_opens_the_back_office_api(owner):
    basic = base64.b64encode(b"owner:pass").decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
    assert api.get(RECEIPTS).status_code == 403


def test_an_owner_issues_a_token_shown_once_stored_hashed_and_revokes_it(client, owner, accountant):
    client.force_login(owner)
    secret = _issue_in_admin(client, name="Accounting export", user=accountant.pk)
    token = ApiToken.objects.get()
    assert (token.user, token.created_by, token.name) == (accountant, owner, "Accounting export")
    assert secret not in (token.key_hash, token.prefix) and secret.startswith(token.prefix)
    # Shown once: the token's own page does not carry it.
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert page.status_code == 200 and secret not in page.content.decode()

    api = _api(secret)
    assert api.get(RECEIPTS).status_code == 200  # acts as the accountant
    token.refresh_from_db()
    assert token.last_used_at is not None

    response = client.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == owner
    assert api.get(RECEIPTS).status_code == 403  # on the next call
    assert _api("bo_not-a-token").get(RECEIPTS).status_code == 403


def test_a_token_acts_as_its_user_and_stops_with_them(client, owner):
    clerk = UserFactory(username="clerk", is_staff=True)  # staff without the view permission
    client.force_login(owner)
    secret = _issue_in_admin(client, name="script", user=clerk.pk)
    assert _api(secret).get(RECEIPTS).status_code == 403
    manager = UserFactory(username="mgr", role=SHOP_MANAGER)
    secret = _issue_in_admin(client, name="script", user=manager.pk)
    assert _api(secret).get(RECEIPTS).status_code == 200
    manager.is_active = False
    manager.save()
    assert _api(secret).get(RECEIPTS).status_code == 403


def test_a_shop_manager_issues_and_sees_only_their_own_tokens(client, owner, shop_manager):
    client.force_login(owner)
    _issue_in_admin(client, name="owner's", user=owner.pk)
    client.force_login(shop_manager)
    form = client.get(reverse("admin:accounts_apitoken_add"))
    assert form.status_code == 200 and 'name="user"' not in form.content.decode()
    # A user field slipped into the POST is ignored: the token is the manager's own.
    _issue_in_admin(client, name="mine", user=owner.pk)
    mine = ApiToken.objects.get(name="mine")
    assert mine.user == shop_manager
    listed = client.get(reverse("admin:accounts_apitoken_changelist")).context["cl"].result_list
    assert [t.name for t in listed] == ["mine"]
    others = ApiToken.objects.get(name="owner's")
    assert client.get(reverse("admin:accounts_apitoken_change", args=[others.pk])).status_code == 302  # not found
    client.post(reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [others.pk]})
    others.refresh_from_db()
    assert others.revoked_at is None


def test_a_token_name_refuses_control_characters(client, owner):
    client.force_login(owner)
    response = client.post(reverse("admin:accounts_apitoken_add"), {"name": "bad\x00name", "user": owner.pk})
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert response.context["form"].errors["name"]
