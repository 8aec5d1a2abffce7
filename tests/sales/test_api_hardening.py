"""Issue 8, items 11 and 12: no input breaks the API or the admin; one documented error body; a till recovers alone."""

import json
import uuid

import pytest
import yaml
from django import forms
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from rest_framework.test import APIClient

from config.parsers import MAX_JSON_DEPTH
from inventory.models import PriceZone
from inventory.text import ControlCharacterValidator
from sales.api.serializers import ReceiptInput
from sales.models import Receipt, Shift
from tests.sales.conftest import sales_receipt_body as receipt_body

pytestmark = pytest.mark.django_db
UPLOAD = "/api/v1/till/receipts/"
BATCH = "/api/v1/till/receipts/batch/"
STATE = "/api/v1/till/state/"
MILK = "5901234123457"


def milk_line(quantity="1", price="450.00"):
    amount = f"{int(quantity) * float(price):.2f}"
    return {"barcode": MILK, "quantity": quantity, "price": price, "amount": amount}


def sale(sequence: int, **extra):
    return receipt_body(
        sequence=sequence, lines=[milk_line()], payments=[{"type": "cash", "amount": "450.00"}], **extra
    )


def assert_error_body(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert {"detail", "code", "errors"} <= set(body), body
    assert isinstance(body["detail"], str) and body["detail"]
    if code:
        assert body["code"] == code, body
    return body


# --- item 11: text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"fiscal_sign": "AB\x00CD"}, "fiscal_sign"),
        ({"fiscal_number": "\x1b[31m"}, "fiscal_number"),
        ({"card_number": "4000\t1234"}, "card_number"),
        ({"lines": [{**milk_line(), "barcode": MILK + "\x00"}]}, "lines.0.barcode"),
        ({"payments": [{"type": "cash\x00", "amount": "450.00"}]}, "payments.0.type"),
        ({"comment": "not a field of ours\x00"}, "comment"),
    ],
)
def test_control_characters_in_a_receipt_are_a_field_error(till_world, change, path):
    body = {**sale(1), **change}
    response = till_world["client"].post(UPLOAD, body, format="json")
    errors = assert_error_body(response, 400, "invalid")["errors"]
    assert path in errors and "U+00" in errors[path][0], errors
    assert not Receipt.objects.exists()


def test_a_nul_in_one_receipt_of_a_batch_rejects_that_receipt_alone(till_world):
    bodies = [sale(1), sale(2, fiscal_sign="\x00"), sale(3)]
    response = till_world["client"].post(BATCH, {"receipts": bodies}, format="json")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["created", "rejected", "created"]
    assert list(body["results"][1]["errors"]) == ["fiscal_sign"]
    assert sorted(Receipt.objects.values_list("sequence", flat=True)) == [1, 3]


def test_the_api_text_field_refuses_control_characters_and_a_text_area_keeps_line_breaks():
    serializer = ReceiptInput(data={**sale(1), "fiscal_sign": "A\x07B"})
    assert not serializer.is_valid() and "fiscal_sign" in serializer.errors
    assert ReceiptInput(data=sale(1, fiscal_sign="ABC")).is_valid()
    ControlCharacterValidator(multiline=True)("two\r\nlines\tand a tab")
    with pytest.raises(forms.ValidationError):
        ControlCharacterValidator(multiline=True)("a NUL\x00")


@pytest.mark.parametrize("code", ["%20", "%20%20", "%09"])
def test_a_blank_code_in_the_barcode_lookup_is_a_404(till_world, code):
    assert_error_body(till_world["client"].get(f"/api/v1/till/barcodes/{code}/"), 404, "not_found")


def test_control_characters_in_an_api_url_or_query_are_a_400_in_json(till_world, owner):
    assert_error_body(till_world["client"].get("/api/v1/till/barcodes/59012%00/"), 400, "invalid")
    client = APIClient()
    client.force_login(owner)
    body = assert_error_body(client.get("/api/v1/receipts/?card_number=%00"), 400, "invalid")
    assert "query" in body["errors"]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_a_400_in_json(till_world, depth):
    body = "[" * depth + "]" * depth
    response = till_world["client"].post(BATCH, body, content_type="application/json")
    assert "nested" in assert_error_body(response, 400, "parse_error")["detail"]


def test_a_body_over_the_limit_is_a_413_in_json_naming_the_limit(till_world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    bodies = [sale(n) for n in range(1, 60)]
    response = till_world["client"].post(BATCH, {"receipts": bodies}, format="json")
    body = assert_error_body(response, 413, "request_too_large")
    assert body["limit"] == 10_000 and "10000 bytes" in body["detail"]
    assert not Receipt.objects.exists()


def test_a_batch_of_500_receipts_of_60_lines_fits_the_default_limit(settings):
    line = {"barcode": MILK, "quantity": "12.345", "price": "123456.78", "discount": "1234.56", "amount": "1.00"}
    receipt = receipt_body(
        lines=[dict(line, original_line_no=n + 1) for n in range(60)],
        payments=[{"type": "cash", "amount": "1234567.89"}, {"type": "card", "amount": "1234567.89"}],
        kind="return",
        original_uuid=str(uuid.uuid4()),
        card_number="4" * 32,
        fiscal_sign="F" * 64,
        fiscal_number="N" * 64,
    )
    size = len(json.dumps({"receipts": [receipt] * 500}).encode())  # as a client sends it, with spaces
    assert 3_000_000 < size < settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 8 * 1024 * 1024, size


def test_every_admin_form_refuses_control_characters(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    checked = 0
    for model, model_admin in admin.site._registry.items():
        forms_to_check = [model_admin.get_form(request)]
        forms_to_check += [inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)]
        for form_class in forms_to_check:
            for name, field in form_class.base_fields.items():
                if isinstance(field, forms.CharField) and not isinstance(field, forms.JSONField):
                    multiline = isinstance(field.widget, forms.Textarea)
                    assert ControlCharacterValidator(multiline) in field.validators, (model, name)
                    checked += 1
    assert checked > 40


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\n"])
def test_an_admin_form_with_a_control_character_answers_a_form_error_and_saves_nothing(client, superuser, char):
    client.force_login(superuser)
    response = client.post("/admin/inventory/pricezone/add/", {"code": "Z9", "name": f"North{char}zone"})
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert not PriceZone.objects.filter(code="Z9").exists()
    ok = client.post("/admin/inventory/pricezone/add/", {"code": "Z9", "name": "North zone"})
    assert ok.status_code == 302 and PriceZone.objects.filter(code="Z9").exists()


def test_control_characters_in_an_admin_search_are_a_400_not_a_500(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/inventory/product/?q=milk%00").status_code == 400
    assert client.get("/admin/inventory/product/?q=milk%09cheese").status_code == 200


# --- item 12: the contract ---------------------------------------------------------------------


def test_every_error_has_the_one_body(till_world, shop_manager, owner):
    till = till_world["client"]
    assert_error_body(till.post(UPLOAD, {**sale(1), "uuid": "x"}, format="json"), 400, "invalid")
    assert_error_body(till.post(UPLOAD, "{not json", content_type="application/json"), 400, "parse_error")
    assert_error_body(till.post(UPLOAD, "a=1", content_type="application/x-www-form-urlencoded"), 415)
    assert_error_body(till.get("/api/v1/receipts/"), 403, "permission_denied")
    assert_error_body(till.post("/api/v1/till/shifts/999999/close/", {"counted_cash": "0"}, format="json"), 404)
    assert_error_body(till.get("/api/v1/till/barcodes/4006381333931/"), 404, "not_found")
    assert_error_body(till.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error_body(till.get("/api/v1/till/catalogue/?cursor=bogus"), 404, "not_found")
    first = sale(1)
    till.post(UPLOAD, first, format="json")
    conflict = assert_error_body(till.post(UPLOAD, {**first, "fiscal_sign": "other"}, format="json"), 409, "conflict")
    assert conflict["receipt_id"] == Receipt.objects.get().pk
    assert_error_body(APIClient().post(UPLOAD, sale(2), format="json"), 401, "not_authenticated")
    anonymous = APIClient()
    anonymous.credentials(HTTP_AUTHORIZATION="Till nonsense")
    assert_error_body(anonymous.get(STATE), 401, "authentication_failed")
    assert_error_body(APIClient().get("/api/v1/receipts/"), 403, "not_authenticated")


@pytest.fixture(scope="module")
def schema(django_db_blocker, tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_documents_its_errors_with_the_one_body(schema):
    error_ref = "#/components/schemas/ErrorBody"
    for label, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"400", "401", "403", "429"}
        if label.startswith(("POST", "PUT", "PATCH")):
            expected |= {"413", "415"}
        if "{" in label or "results" in json.dumps(responses.get("200", {})) or "Paginated" in json.dumps(responses):
            expected.add("404")
        assert expected <= set(responses), (label, sorted(responses))
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"] == {"$ref": error_ref}, (label, code)
    upload = schema["paths"]["/api/v1/till/receipts/"]["post"]["responses"]
    assert "409" in upload
    assert set(schema["components"]["schemas"]["ErrorBody"]["required"]) == {"detail", "code", "errors"}


def test_the_z_report_differences_and_till_figures_are_typed(schema):
    components = schema["components"]["schemas"]
    shift = components["ShiftOutput"]["properties"]
    assert shift["z_report"]["allOf"] == [{"$ref": "#/components/schemas/ZReport"}]
    assert shift["differences"]["items"] == {"$ref": "#/components/schemas/Difference"}
    assert shift["till_report"]["allOf"] == [{"$ref": "#/components/schemas/TillFiguresStored"}]
    assert {"cash_expected", "receipts_count", "payments"} <= set(components["ZReport"]["properties"])
    assert set(components["PaymentFigures"]["properties"]) == {"cash", "card"}
    assert components["Shift"]["properties"]["z_report"]["allOf"] == [{"$ref": "#/components/schemas/ZReport"}]


def test_back_office_operations_do_not_accept_the_till_token_and_till_operations_only_it(schema):
    for label, operation in _operations(schema):
        schemes = {name for requirement in operation.get("security", []) for name in requirement}
        if " /api/v1/till/" in label:
            assert schemes == {"tillToken"}, label
        else:
            assert "tillToken" not in schemes and schemes, label


def test_the_limits_are_in_the_schema(schema):
    components = schema["components"]["schemas"]
    receipts = components["BatchInput"]["properties"]["receipts"]
    assert (receipts["minItems"], receipts["maxItems"]) == (1, 500)
    lines = components["ReceiptInput"]["properties"]["lines"]
    assert (lines["minItems"], lines["maxItems"]) == (1, 1000)
    assert "minItems" not in components["ReceiptInput"]["properties"]["payments"]


def test_a_receipt_without_payments_for_a_zero_total_is_accepted_as_the_schema_says(till_world):
    free = {"barcode": MILK, "quantity": "1", "price": "0.00", "amount": "0.00"}
    response = till_world["client"].post(UPLOAD, receipt_body(lines=[free], payments=[]), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/receipts/", "shop"),
        ("/api/v1/receipts/", "till"),
        ("/api/v1/receipts/", "shift"),
        ("/api/v1/shifts/", "till"),
        ("/api/v1/shifts/", "shop"),
        ("/api/v1/tills/", "shop"),
        ("/api/v1/stock-balances/", "shop"),
        ("/api/v1/stock-balances/", "product"),
    ],
)
def test_filters_on_ids_that_do_not_exist_give_empty_lists(till_world, owner, url, param):
    till_world["client"].post(UPLOAD, sale(1), format="json")
    client = APIClient()
    client.force_login(owner)
    response = client.get(url, {param: 987654321})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["results"] if isinstance(body, dict) else body) == []
    assert client.get(url, {param: "abc"}).status_code == 400


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "1001"])
def test_a_bad_page_size_is_a_400_not_ignored(owner, page_size):
    client = APIClient()
    client.force_login(owner)
    assert_error_body(client.get("/api/v1/receipts/", {"page_size": page_size}), 400, "invalid")


# --- item 12: a till recovers alone ------------------------------------------------------------


def test_a_till_reads_its_open_shift_last_number_and_gaps_with_its_token(till_world):
    client = till_world["client"]
    empty = client.get(STATE)
    assert empty.status_code == 200, empty.content[:300]
    state = empty.json()
    shift = Shift.objects.get()
    assert state["open_shift"]["id"] == shift.pk and state["open_shift"]["closed_at"] is None
    assert (state["last_sequence"], state["gaps"], state["till"]["code"], state["shop"]["code"]) == (
        0,
        [],
        "T7-1",
        "07",
    )
    for n in (1, 2, 5, 9):
        assert client.post(UPLOAD, sale(n), format="json").status_code == 201
    state = client.get(STATE).json()
    assert state["last_sequence"] == 9
    assert state["gaps"] == [{"first": 3, "last": 4}, {"first": 6, "last": 8}]
    client.post(UPLOAD, sale(3), format="json")
    assert client.get(STATE).json()["gaps"] == [{"first": 4, "last": 4}, {"first": 6, "last": 8}]
    client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "0"}, format="json")
    assert client.get(STATE).json()["open_shift"] is None


def test_the_state_is_the_tills_own_and_no_one_elses(till_world, owner):
    person = APIClient()
    person.force_login(owner)
    assert person.get(STATE).status_code in (401, 403)  # a person is not a till
    assert APIClient().get(STATE).status_code == 401
