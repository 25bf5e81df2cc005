from areas.models.departments import Department, DepartmentKind  # noqa: F401
from areas.models.site_settings import SiteIdentity, theme_choices  # noqa: F401
from areas.models.units import (  # noqa: F401
    AdminUnitMixin,
    AreaPage,
    CommuneHomePage,
    Level,
    PortalHomePage,
    Structure,
    UnitType,
    full_unit_name,
)
