"""Callbacks other apps attach to the posting and cancelling of a document type, run in the same transaction.

Inventory may not import the apps above it, yet a goods receipt creates a payable (purchasing).
An app registers from its `AppConfig.ready()`:

    document_hook_register(DocumentType.GOODS_RECEIPT, on_post=..., on_cancel=...)

`document_post` calls every `on_post(document, lines, posting)` after the document's own ledger
writes and before it is marked posted; `document_cancel` calls every `on_cancel(document,
posting)` after its reversals. They run inside the posting's transaction: whatever a hook
raises refuses the posting and nothing is written. This module imports no model.
"""

from collections import defaultdict
from collections.abc import Callable

_POST: dict[str, list[Callable]] = defaultdict(list)
_CANCEL: dict[str, list[Callable]] = defaultdict(list)


def document_hook_register(document_type: str, *, on_post: Callable | None = None, on_cancel: Callable | None = None):
    """Attach callbacks to one document type; registering the same function again does nothing."""
    for registry, hook in ((_POST, on_post), (_CANCEL, on_cancel)):
        if hook is not None and hook not in registry[document_type]:
            registry[document_type].append(hook)


def document_hook_unregister(document_type: str, *, on_post: Callable | None = None, on_cancel=None) -> None:
    """For tests."""
    for registry, hook in ((_POST, on_post), (_CANCEL, on_cancel)):
        if hook in registry[document_type]:
            registry[document_type].remove(hook)


def document_hooks_after_post(document, lines, posting) -> None:
    for hook in list(_POST.get(document.DOCUMENT_TYPE, ())):
        hook(document, lines, posting)


def document_hooks_after_cancel(document, posting) -> None:
    for hook in list(_CANCEL.get(document.DOCUMENT_TYPE, ())):
        hook(document, posting)
