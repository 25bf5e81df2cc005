from .areas import (  # noqa: F401
    AdminUnitMixin, AreaPage, CommuneHomePage, Level, PortalHomePage, Structure, UnitType, full_unit_name,
)
from .content import (  # noqa: F401
    AnnouncementAttachment, AnnouncementIndexPage, AnnouncementPage, BodyBlock, Category, DocumentIndexPage,
    DocumentStatus, DocumentType, LegalDocumentFile, LegalDocumentPage, NewsIndexPage, NewsPage, Priority,
    SectionPage, StandardPage, number_key,
)
from .profile import ContactEntry, ContactPage, Leader, ProcedureLink, ProfilePage  # noqa: F401
from .site_settings import SiteIdentity, theme_choices  # noqa: F401
from .search_index import SearchEntry  # noqa: F401
from .inquiries import (  # noqa: F401
    AnsweredQuestionPage, EventAction, Inquiry, InquiryEvent, InquiryKind, InquiryPhoto, QuestionIndexPage, Status,
    Topic,
)
from .sources import (  # noqa: F401
    CapFeed, CapFeedEntry, EmergencyAlertPage, SourceAttachment, SourceIndexPage, SourceItemPage, active_alerts_for, active_items_for,
)
