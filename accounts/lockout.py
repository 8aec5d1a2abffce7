"""The page a locked-out login gets (django-axes calls this; AXES_LOCKOUT_CALLABLE)."""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    """429 on the admin's look, saying for how long (or until an owner unlocks), with Retry-After."""
    cooloff = settings.AXES_COOLOFF_TIME
    if cooloff:
        minutes = max(1, int(cooloff.total_seconds() // 60))
        message = _(
            "Too many wrong passwords for this user from your address: logins are locked for %(minutes)d minutes. "
            "An owner can unlock them sooner."
        ) % {"minutes": minutes}
    else:
        message = _(
            "Too many wrong passwords for this user from your address: logins are locked until an owner unlocks them."
        )
    context = {**admin.site.each_context(request), "title": _("Logins locked"), "message": message}
    response = render(request, "admin/locked_out.html", context, status=429)
    if cooloff:
        response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
