"""Reference data: price zones, shops, the product group tree, products, barcodes, suppliers."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords
from timezone_field import TimeZoneField
from treebeard.mp_tree import MP_Node

from ..barcodes import MAX_BARCODE_LENGTH, barcode_classify
from ..choices import BarcodeKind, ShopFormat, Unit, Weekday


class PriceZone(models.Model):
    """A set of shops that sell at the same retail prices (e.g. city shops vs villages)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("price zone")
        verbose_name_plural = _("price zones")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ShopQuerySet(models.QuerySet):
    def trading(self):
        """Real shops and warehouses, without the system "in transit" location."""
        return self.exclude(format=ShopFormat.TRANSIT)


class Shop(models.Model):
    """A shop (or warehouse) of the chain. Its business day is its own local day."""

    objects = ShopQuerySet.as_manager()
    SHOP_FIELDS = ("pk",)  # scoping (inventory/scoping.py): a shop is bound to itself

    code = models.CharField(
        _("code"), max_length=8, unique=True, help_text=_("Short code used in document numbers, e.g. 07.")
    )
    name = models.CharField(_("name"), max_length=150)
    format = models.CharField(_("format"), max_length=16, choices=ShopFormat.choices, default=ShopFormat.CONVENIENCE)
    city = models.CharField(_("city"), max_length=100)
    address = models.CharField(_("address"), max_length=255, blank=True)
    time_zone = TimeZoneField(_("time zone"), default="Asia/Almaty", use_pytz=False)
    opening_hours = models.CharField(
        _("opening hours"), max_length=200, blank=True, help_text=_("For example: Mon-Sun 08:00-22:00.")
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    photo = models.ImageField(_("photo"), upload_to="shops/", blank=True)
    price_zone = models.ForeignKey(
        PriceZone, verbose_name=_("price zone"), on_delete=models.PROTECT, related_name="shops"
    )
    negative_stock_allowed = models.BooleanField(
        _("negative stock allowed"),
        default=False,
        help_text=_("Warehouse documents may take stock below zero in this shop."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shop managers"),
        related_name="managed_shops",
        blank=True,
        help_text=_("Users of the Shop manager role who see this shop's data."),
    )
    history = HistoricalRecords(excluded_fields=["photo"])

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["code"]
        permissions = [
            ("view_all_shops", _("Can see the data of every shop")),
            ("change_shop_controls", _("Can change a shop's trading controls (active, negative stock, zones)")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProductGroup(MP_Node):
    """A node of the product group tree (any depth; a subtree moves as a whole)."""

    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")

    def __str__(self) -> str:
        return self.name

    def full_name(self, separator: str = " / ") -> str:
        return separator.join(node.name for node in [*ProductGroup.objects.get_ancestors(self), self])


class Product(models.Model):
    """An item of the nomenclature. Prices live in `Price` rows, barcodes in `Barcode` rows."""

    sku = models.CharField(_("SKU"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    group = models.ForeignKey(ProductGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.PIECE)
    vat_rate = models.DecimalField(
        _("VAT rate, %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    is_weighted = models.BooleanField(_("weighted"), default=False, help_text=_("Sold by weight from scales."))
    plu = models.PositiveIntegerField(
        _("PLU"),
        null=True,
        blank=True,
        help_text=_("Scale code of a weighted product; unique among weighted products."),
    )
    excluded_from_discounts = models.BooleanField(
        _("excluded from discounts and points"), default=False, help_text=_("For example tobacco.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plu"], condition=Q(is_weighted=True), name="product_plu_unique_weighted"),
            models.CheckConstraint(
                condition=Q(is_weighted=False, plu__isnull=True) | Q(is_weighted=True, plu__isnull=False),
                name="product_plu_iff_weighted",
                violation_error_message=_("A weighted product needs a PLU; a product sold by piece has none."),
            ),
        ]
        indexes = [models.Index(fields=["name"], name="product_name_idx")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def clean(self) -> None:
        errors = {}
        if self.is_weighted:
            if self.plu is None:
                errors["plu"] = _("A weighted product needs a PLU for the scales.")
            if self.unit != Unit.KILOGRAM:
                errors["unit"] = _("A weighted product is sold in kilograms.")
            max_plu = 10**settings.SCALE_BARCODE_PLU_LENGTH - 1
            if self.plu is not None and self.plu > max_plu:
                errors["plu"] = _("A PLU has at most %(n)d digits.") % {"n": settings.SCALE_BARCODE_PLU_LENGTH}
            elif self.plu is not None:
                clash = Product.objects.filter(is_weighted=True, plu=self.plu).exclude(pk=self.pk).first()
                if clash:
                    errors["plu"] = _("PLU %(plu)s is already used by %(product)s.") % {
                        "plu": self.plu,
                        "product": clash,
                    }
        elif self.plu is not None:
            errors["plu"] = _("Only weighted products have a PLU.")
        if errors:
            raise ValidationError(errors)


class Barcode(models.Model):
    """A barcode of a product; unique across all products, check digit validated."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(_("barcode"), max_length=MAX_BARCODE_LENGTH, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=BarcodeKind.choices, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("barcode")
        verbose_name_plural = _("barcodes")
        ordering = ["id"]
        # A product's first barcode (the product list's column) is one index step, whatever
        # the planner knows: without it, a freshly loaded table without statistics made the
        # 20,000-product export scan barcodes in id order for every product (50 s, not 1 s).
        indexes = [models.Index(fields=["product", "id"], name="barcode_product_first_idx")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        self.code = (self.code or "").strip()
        try:
            self.kind = barcode_classify(self.code)
        except ValidationError as exc:
            raise ValidationError({"code": exc.messages}) from None
        clash = Barcode.objects.filter(code=self.code).exclude(pk=self.pk).select_related("product").first()
        if clash:
            raise ValidationError(
                {
                    "code": _("Barcode %(code)s already belongs to %(product)s.")
                    % {"code": self.code, "product": clash.product}
                }
            )

    def save(self, *args, **kwargs):
        if not self.kind:
            self.kind = barcode_classify(self.code)
        super().save(*args, **kwargs)


class Company(models.Model):
    """The company that runs the chain: its details head every printout (one row, edited by the owner)."""

    name = models.CharField(_("name"), max_length=200)
    tax_number = models.CharField(_("tax number"), max_length=12, blank=True, help_text=_("BIN/IIN or INN."))
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("company details")
        verbose_name_plural = _("company details")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Company":
        """The stored details, or the name from settings (COMPANY_NAME) until the owner fills them in."""
        from django.conf import settings

        return cls.objects.order_by("pk").first() or cls(name=settings.COMPANY_NAME)


class Supplier(models.Model):
    """A supplier in the directory (settlements come with the payables ledger)."""

    name = models.CharField(_("name"), max_length=200)
    tax_id = models.CharField(
        _("tax ID"), max_length=12, unique=True, help_text=_("BIN/IIN (12 digits) or INN (10 or 12 digits).")
    )
    contact_person = models.CharField(_("contact person"), max_length=150, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms, days"), default=0, help_text=_("Deferral: a delivery is due this many days after receipt.")
    )
    order_weekdays = models.PositiveSmallIntegerField(
        _("order days"),
        default=0,
        validators=[MaxValueValidator(127)],
        help_text=_("Weekdays on which orders are placed with this supplier."),
    )
    lead_time_days = models.PositiveSmallIntegerField(_("lead time, days"), default=1)
    min_order_amount = models.DecimalField(
        _("minimum order amount"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    comment = models.TextField(_("comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        tax_id = (self.tax_id or "").strip()
        if not tax_id.isdigit() or len(tax_id) not in (10, 12):
            raise ValidationError({"tax_id": _("A tax ID is 10 or 12 digits.")})
        self.tax_id = tax_id

    @property
    def order_weekday_list(self) -> list[int]:
        return [day for day in Weekday.values if self.order_weekdays & (1 << (day - 1))]

    def order_weekdays_display(self) -> str:
        labels = dict(Weekday.choices)
        return ", ".join(str(labels[d])[:3] for d in self.order_weekday_list)

    order_weekdays_display.short_description = _("order days")
