from .catalog import Barcode, PriceZone, Product, ProductGroup, Shop, Supplier
from .documents import Document, DocumentCounter, document_number_next
from .pricing import Price, PriceChange, PriceChangeLine

__all__ = [
    "Barcode",
    "Document",
    "DocumentCounter",
    "Price",
    "PriceChange",
    "PriceChangeLine",
    "PriceZone",
    "Product",
    "ProductGroup",
    "Shop",
    "Supplier",
    "document_number_next",
]
