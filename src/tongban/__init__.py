"""Tongban (通办): one platform for a city's public services, configured by packs."""

__version__ = "0.1.0"
