"""Real threads against PostgreSQL: numbering and posting stay correct under contention."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from inventory.exceptions import DocumentNotDraft
from inventory.models import DocumentCounter, Price, PriceChange, document_number_next
from inventory.services import price_change_post
from tests.factories import PriceZoneFactory, ProductFactory, UserFactory, price_change_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def run_at_once(fn, count=THREADS):
    barrier = threading.Barrier(count)

    def worker(i):
        barrier.wait()
        try:
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def test_concurrent_numbering_never_repeats_a_number():
    def issue(_i):
        with transaction.atomic():
            return document_number_next(prefix="PC", scope="Z1")

    numbers = run_at_once(issue)
    assert sorted(numbers) == [f"PC-Z1-{n:06d}" for n in range(1, THREADS + 1)]
    assert DocumentCounter.objects.get(prefix="PC", scope="Z1").last_value == THREADS


def test_twenty_posts_of_the_same_document_post_it_once():
    zone = PriceZoneFactory(code="Z1")
    user = UserFactory()
    products = [ProductFactory() for _ in range(5)]
    document = price_change_create(
        zone=zone, effective_date=datetime.date(2026, 1, 1), lines=[(p, "10.00") for p in products]
    )

    def post(_i):
        try:
            price_change_post(document_id=document.pk, actor=user)
            return "posted"
        except DocumentNotDraft:
            return "refused"

    results = run_at_once(post)
    assert results.count("posted") == 1
    assert results.count("refused") == THREADS - 1
    assert Price.objects.filter(price_change=document).count() == 5
    assert PriceChange.objects.get(pk=document.pk).status == "posted"
