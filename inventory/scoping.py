"""Shop scoping in one place: which rows a user may see, and for which shops they may act.

Every shop-bound model declares the shops it touches in `SHOP_FIELDS`: lookups from the model
to Shop ("shop"; a transfer's ("shop", "to_shop"); "till__shop"; "document__shop"; "pk" for
Shop itself). Models without the declaration are bound by their `shop` field. Documents answer
`shop_ids()` from the same declaration, and the admin's period-lock check reads it too.

The rule (the same for the admin, the API and report downloads):
- Seeing a row (lists, pages, the API, a document's printout): ANY of its shops is the user's.
  Both managers see a transfer between their shops.
- Acting for shops (a document's buttons, a report file over shops): ALL the shops concerned
  are the user's (`user_may_see_shops`). Each action names its shops: a transfer's Ship and
  Cancel belong to the sender, Receive to the receiver; a report over shops 01-04 is not for
  the manager of 01-02.
Users with "view all shops" (and superusers) see and act everywhere.
"""

from django.db.models import Model, Q, QuerySet

from .selectors import shops_for_user, user_may_see_shops, user_sees_all_shops

__all__ = [
    "shop_fields",
    "shop_ids_of",
    "shops_for_user",
    "user_may_see_any_shop",
    "user_may_see_shops",
    "user_sees_all_shops",
    "visible_shop_ids",
    "visible_to",
]


def shop_fields(model: type[Model]) -> tuple[str, ...]:
    """The lookups from `model` to the shops it touches (its SHOP_FIELDS, else its `shop`)."""
    return tuple(getattr(model, "SHOP_FIELDS", ("shop",)))


def _shop_id(obj: Model, lookup: str) -> int | None:
    *path, last = lookup.split("__")
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj.pk if last == "pk" else getattr(obj, f"{last}_id", None)


def shop_ids_of(obj: Model, fields: tuple[str, ...] | None = None) -> list[int]:
    """The shops `obj` touches, from its declaration (unset ones left out)."""
    ids = (_shop_id(obj, lookup) for lookup in fields or shop_fields(type(obj)))
    return list(dict.fromkeys(i for i in ids if i is not None))


def visible_to(queryset: QuerySet, user, *, fields: tuple[str, ...] | None = None) -> QuerySet:
    """The rows of `queryset` the user may see: any one of their declared shops is the user's."""
    if user_sees_all_shops(user):
        return queryset
    shops = shops_for_user(user=user).values("pk")
    condition = Q()
    for lookup in fields or shop_fields(queryset.model):
        condition |= Q(**{f"{lookup}__in": shops})
    return queryset.filter(condition)


def user_may_see_any_shop(user, shop_ids) -> bool:
    """May `user` see an object touching `shop_ids`: any one of them is theirs (seeing, not acting)."""
    if user_sees_all_shops(user):
        return True
    wanted = {int(s) for s in shop_ids or () if s is not None}
    if not wanted or not user.is_authenticated:
        return False
    return shops_for_user(user=user).filter(pk__in=wanted).exists()


def visible_shop_ids(user, shop_ids) -> list[int]:
    """Those of `shop_ids` the user may see (all of them for an all-shops user)."""
    if user_sees_all_shops(user):
        return list(shop_ids)
    mine = set(shops_for_user(user=user).filter(pk__in=list(shop_ids)).values_list("pk", flat=True))
    return [s for s in shop_ids if s in mine]
