"""Imports every context's tables so that Alembic and tests see one metadata."""

from tongban.audit import models as audit_models
from tongban.auth import models as auth_models
from tongban.cases import models as case_models
from tongban.catalog import models as catalog_models
from tongban.credentials import models as credential_models
from tongban.db import Base
from tongban.files import models as file_models
from tongban.listings import models as listing_models
from tongban.packs import models as pack_models
from tongban.points import models as point_models
from tongban.ratings import models as rating_models
from tongban.registries import models as registry_models
from tongban.requests import models as request_models

__all__ = [
    "Base",
    "audit_models",
    "auth_models",
    "case_models",
    "catalog_models",
    "credential_models",
    "file_models",
    "listing_models",
    "pack_models",
    "point_models",
    "rating_models",
    "registry_models",
    "request_models",
]
