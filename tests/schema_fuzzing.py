"""Schemathesis over the whole API schema with every check: shared by the in-process and the HTTP tests."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

EXAMPLES = 12  # per generation mode: 24 requests per operation and role, plus the checks
# Valid by the schema, refused by a business rule that no schema can state: an unknown product, amounts
# that do not add up, a shift already open or already closed, a scale barcode with a bad PLU. Every other
# check runs on them; "schema-valid data is accepted" is checked on every other operation.
BUSINESS_RULES = {
    "POST /api/v1/till/receipts/",
    "POST /api/v1/till/shifts/",
    "POST /api/v1/till/shifts/{shift_id}/close/",
    "GET /api/v1/till/barcodes/{code}/",
    "POST /api/v1/till/cash/",  # a pay-in the cash desk cannot cover is refused (never below zero)
    # Loyalty: a phone that is no real number, a phone not registered (or already), a wrong SMS code.
    "POST /api/v1/till/loyalty/registrations/",
    "POST /api/v1/till/loyalty/registrations/{registration_id}/confirm/",
    "POST /api/v1/app/sign-in/",
    "POST /api/v1/app/sign-in/confirm/",
    # Loyalty: a card or a phone must be given (either), a line names a product, points must be spendable.
    "GET /api/v1/till/loyalty/account/",
    "POST /api/v1/till/loyalty/preview/",
    "POST /api/v1/till/loyalty/holds/",
    "POST /api/v1/till/loyalty/return-preview/",
}
# A batch is answered 200 with a result per receipt, each succeeding or failing alone: an invalid receipt
# inside a valid batch is "rejected" in the answer, not a 400 for the batch. Checked below instead.
BATCH = "POST /api/v1/till/receipts/batch/"


def fuzz_schema(schema, headers: dict, *, examples: int = EXAMPLES) -> tuple[dict[str, set[int]], dict[str, set[str]]]:
    """Every operation with valid and invalid data; returns the status codes seen and every check's failures."""
    schema.config.generation.update(with_security_parameters=False)  # our credentials, not generated ones
    seen: dict[str, set[int]] = {}
    failures: dict[str, set[str]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        _fuzz_operation(operation, headers, seen, failures, examples)
    return seen, failures


def _fuzz_operation(operation, headers: dict, seen: dict, failures: dict, examples: int) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.body or any(True for _ in operation.iter_parameters()):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    excluded = [positive_data_acceptance] if label in BUSINESS_RULES else []
    if label == BATCH:
        # Up to 500 receipts of up to 1,000 lines (and 501 in invalid data): each example costs a second or
        # more to generate, so fewer of them; test_batches_returns covers batches case by case.
        examples = max(1, examples // 4)
    if label == BATCH:
        excluded.append(negative_data_rejection)

    @given(case=st.one_of(*strategies))
    @settings(
        max_examples=examples * len(strategies),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        seen.setdefault(label, set()).add(response.status_code)
        try:
            case.validate_response(response, headers=headers, excluded_checks=excluded)
            negative = case.meta is not None and case.meta.generation.mode == GenerationMode.NEGATIVE
            if label == BATCH and negative and response.status_code == 200:
                assert response.json()["rejected"] >= 1, f"an invalid batch was not refused: {case.body!r:.500}"
        except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, none shrunk
            failures.setdefault(label, set()).add(f"{type(exc).__name__}: {str(exc)[:1200]}")

    run()
