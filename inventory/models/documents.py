"""The document machinery shared by every app: status, numbering, audit fields."""

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import DocumentStatus
from ..db_guards import PostedDocument, posting_marker


class DocumentCounter(models.Model):
    """The last number issued per document prefix and scope (a shop or zone code)."""

    prefix = models.CharField(max_length=8)
    scope = models.CharField(max_length=16)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [models.UniqueConstraint(fields=["prefix", "scope"], name="document_counter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.scope}: {self.last_value}"


def document_number_next(*, prefix: str, scope: str) -> str:
    """Issue the next number, e.g. `PC-Z1-000123`.

    One upsert statement (SQLite >= 3.35 and PostgreSQL both support ON CONFLICT ...
    RETURNING): the row is created or incremented atomically, so concurrent callers never
    get the same number and never race on creating the counter row.
    """
    table = DocumentCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, scope, last_value) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, scope) DO UPDATE SET last_value = {table}.last_value + 1 "
            "RETURNING last_value",
            [prefix, scope],
        )
        (value,) = cursor.fetchone()
    return f"{prefix}-{scope}-{value:06d}"


class Document(models.Model):
    """Abstract base of every document: a draft until posted; posted ones are read-only.

    Subclasses set `NUMBER_PREFIX` and implement `number_scope()`. The database keeps a
    posted document as posted (`DB_GUARD`, see inventory/db_guards.py).
    """

    DB_GUARD = PostedDocument()

    NUMBER_PREFIX = "DOC"
    DOCUMENT_TYPE = ""  # a DocumentType value

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DocumentStatus.choices,
        default=DocumentStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    business_date = models.DateField(_("date"), default=timezone.localdate, db_index=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number or str(_("new document"))

    @property
    def is_draft(self) -> bool:
        return self.status == DocumentStatus.DRAFT

    def number_scope(self) -> str:
        raise NotImplementedError

    def shop_ids(self) -> list[int]:
        """Every shop the document touches: the period lock of each is checked when it posts or is cancelled."""
        raise NotImplementedError

    def period_date(self):
        """The date the period lock is checked against."""
        return self.business_date

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = document_number_next(prefix=self.NUMBER_PREFIX, scope=self.number_scope())
        super().save(*args, **kwargs)

    def mark_posted(self, *, actor) -> None:
        self.status = DocumentStatus.POSTED
        self.posted_at = timezone.now()
        self.posted_by = actor
        with posting_marker():
            self.save(update_fields=["status", "posted_at", "posted_by"])

    def mark_cancelled(self, *, actor) -> None:
        self.status = DocumentStatus.CANCELLED
        self.cancelled_at = timezone.now()
        self.cancelled_by = actor
        with posting_marker():
            self.save(update_fields=["status", "cancelled_at", "cancelled_by"])
