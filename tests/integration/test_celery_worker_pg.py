"""Celery with a real broker and worker, once: the nightly ledger check runs in a worker process."""

import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app
from inventory.ledgers import ledgers
from inventory.models import GoodsReceipt, LedgerCheckRun
from inventory.services import goods_receipt_post
from inventory.tasks import ledgers_check
from tests.factories import PriceZoneFactory, ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.real_clock]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def worker():
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "worker-test-key",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings.main",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = eager
        process.terminate()
        try:
            output = process.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            process.kill()
            output = ""
        if process.returncode not in (0, -15, 15):
            print(output)


def test_a_real_worker_runs_the_nightly_ledger_check(worker):
    zone = PriceZoneFactory(code="Z1")
    shop, product = ShopFactory(price_zone=zone), ProductFactory()
    document = stock_document(
        GoodsReceipt,
        shop=shop,
        supplier=SupplierFactory(),
        lines=[{"product": product, "quantity": Decimal("5"), "price_amount": Decimal("2")}],
    )
    goods_receipt_post(document_id=document.pk, actor=UserFactory())
    with app.connection_for_write(REDIS_URL) as broker:  # the test settings have no broker: name one
        ledgers_check.apply_async(queue=worker, connection=broker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not LedgerCheckRun.objects.filter(finished_at__isnull=False).exists():
        time.sleep(0.5)
    run = LedgerCheckRun.objects.filter(finished_at__isnull=False).first()
    assert run is not None, "the worker did not run the task within 60 seconds"
    # One balance row per ledger the receipt wrote: its stock, and the debt to the supplier (payables).
    balances = sum(ledger.balance_model.objects.count() for ledger in ledgers())
    assert balances == 2
    assert (run.pairs_checked, run.differences) == (balances, 0)
