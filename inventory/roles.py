"""The four roles, as permission groups kept in step with the models.

`roles_sync()` runs after every `migrate` (see apps.py), so a model added by a later
issue lands in the right roles without a hand-written migration. Add its rule here.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import F, Q, Value
from django.db.models.functions import Concat

OWNER = "Owner"
ACCOUNTANT = "Accountant"
SHOP_MANAGER = "Shop manager"
CASHIER = "Cashier"
ROLE_NAMES = (OWNER, ACCOUNTANT, SHOP_MANAGER, CASHIER)

ALL = ("add", "change", "delete", "view")
OUR_APPS = ("inventory", "cash", "loyalty", "purchasing", "sales", "reports")

# Documents a shop manager works on for their own shops (scoped in the admin).
STOCK_DOCUMENT_MODELS = [
    "goodsreceipt",
    "goodsreceiptline",
    "supplierreturn",
    "supplierreturnline",
    "writeoff",
    "writeoffline",
    "transfer",
    "transferline",
    "stocktake",
    "stocktakeline",
]

# Cash documents a shop manager works on for their own shops; what they see of cash besides.
CASH_DOCUMENT_MODELS = ["cashorder"]
CASH_VIEW_MODELS = [
    "cashlocation",
    "cashbalance",
    "cashledgerentry",
    "cashierdiscrepancy",
    "expensecategory",
    "cashdeskoverlimit",
]

# Loyalty: what a shop manager sees of the customers registered in their shops (scoped in the admin).
LOYALTY_CUSTOMER_VIEW_MODELS = [
    "customer",
    "loyaltyaccount",
    "card",
    "tier",
    "tierchange",
    "consentrecord",
    "smsmessage",
]
# Settlements with suppliers: the accountant records payments and invoices; a shop manager pays from the
# shop's cash desk and sees the shop's payables.
PAYABLES_DOCUMENT_MODELS = ["supplierpayment", "supplierinvoice", "payablesopening", "payablesopeningline"]
PAYABLES_VIEW_MODELS = ["payable", "payableallocation", "payablebalance", "payableledgerentry"]
# Purchase orders a shop manager works on for their own shops; what they see of reordering besides.
ORDER_MODELS = ["purchaseorder", "purchaseorderline"]
REORDER_VIEW_MODELS = ["reorderpolicy", "reorderproposal", "reorderrun", "supplierproduct", "supplysource"]

# Personal API tokens: everyone issues and revokes their own (the admin shows each person only
# theirs); the owner, by `manage_all_apitokens`, those of every user.
OWN_API_TOKENS = ("accounts", "apitoken", ("view", "add", "change"))

# (app_label, model or "*", actions) — an action is a codename prefix ("view") or a full codename.
RULES: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    OWNER: [("*", "*", ("*",))],  # users, API tokens of all, unlocking logins (Axes) included
    ACCOUNTANT: [
        *[(app, "*", ("view",)) for app in OUR_APPS],
        ("inventory", "shop", ("view_all_shops",)),
        ("inventory", "pricechange", ALL),
        ("inventory", "pricechangeline", ALL),
        *[("inventory", model, ALL) for model in STOCK_DOCUMENT_MODELS],
        ("inventory", "openingbalance", ALL),
        ("inventory", "openingbalanceline", ALL),
        ("inventory", "periodlock", ALL),
        *[("cash", model, ALL) for model in [*CASH_DOCUMENT_MODELS, "cashlocation", "expensecategory"]],
        *[("cash", model, ALL) for model in ["bankstatement", "bankstatementline", "bankcolumnmap"]],
        *[("purchasing", model, ALL) for model in PAYABLES_DOCUMENT_MODELS],
        ("reports", "*", ALL),
        *[("purchasing", model, ALL) for model in ORDER_MODELS],
        ("django_celery_results", "*", ("view",)),
        OWN_API_TOKENS,
    ],
    SHOP_MANAGER: [
        ("inventory", "shop", ("view", "change")),
        ("inventory", "product", ("view",)),
        ("inventory", "productgroup", ("view",)),
        ("inventory", "barcode", ("view",)),
        ("inventory", "price", ("view",)),
        ("inventory", "pricezone", ("view",)),
        ("inventory", "pricechange", ("view",)),
        ("inventory", "pricechangeline", ("view",)),
        ("inventory", "supplier", ("view",)),
        *[("inventory", model, ALL) for model in STOCK_DOCUMENT_MODELS],
        ("inventory", "openingbalance", ("view",)),
        ("inventory", "openingbalanceline", ("view",)),
        ("inventory", "stockbalance", ("view",)),
        ("inventory", "stockledgerentry", ("view",)),
        ("reports", "reportfile", ("view",)),
        *[("cash", model, ALL) for model in CASH_DOCUMENT_MODELS],
        *[("cash", model, ("view",)) for model in CASH_VIEW_MODELS],
        ("purchasing", "supplierpayment", ALL),
        *[("purchasing", model, ("view",)) for model in ["supplierinvoice", *PAYABLES_VIEW_MODELS]],
        *[("purchasing", model, ALL) for model in ORDER_MODELS],
        *[("purchasing", model, ("view",)) for model in REORDER_VIEW_MODELS],
        ("sales", "till", ("view",)),
        ("sales", "shift", ("view",)),
        ("sales", "receipt", ("view",)),
        ("sales", "receiptline", ("view",)),
        ("sales", "receiptpayment", ("view",)),
        ("sales", "receiptconflict", ("view",)),
        ("sales", "flaggedreceipt", ("view",)),
        ("sales", "tillgap", ("view",)),
        *[("loyalty", model, ("view",)) for model in LOYALTY_CUSTOMER_VIEW_MODELS],
        # Points (issue 12): their shops' adjustments up to the owner's limit; accounts of their shops.
        ("loyalty", "pointsadjustment", ("view", "add", "change")),
        ("loyalty", "pointsaccount", ("view",)),
        OWN_API_TOKENS,
    ],
    # Cashiers work at tills, which use their own tokens; in the back office they have nothing yet.
    CASHIER: [],
}


def _rule_filter(app: str, model: str, actions: tuple[str, ...]) -> Q:
    q = Q()
    if app != "*":
        q &= Q(content_type__app_label=app)
    if model != "*":
        q &= Q(content_type__model=model)
    if "*" not in actions:
        codes = Q()
        for action in actions:
            if action in ALL:
                # Exactly "<action>_<model>": a prefix match would also take custom
                # permissions such as view_all_shops.
                codes |= Q(codename=Concat(Value(f"{action}_"), F("content_type__model")))
            else:
                codes |= Q(codename=action)
        q &= codes
    return q


def role_permissions(role: str):
    rules = RULES[role]
    if not rules:
        return Permission.objects.none()
    q = Q()
    for rule in rules:
        q |= _rule_filter(*rule)
    return Permission.objects.filter(q)


def roles_sync() -> None:
    """Create the role groups and set each one's permissions to exactly its rules."""
    for role in ROLE_NAMES:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(role_permissions(role))
