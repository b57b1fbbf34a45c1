"""codegen: a typed Python data layer generated from SQL migrations and annotated queries."""

__version__ = "0.1.0"
