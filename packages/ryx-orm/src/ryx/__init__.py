"""Ryx: a Django-style, async-native Python ORM whose engine is Rust."""

__version__ = "0.2.0"
