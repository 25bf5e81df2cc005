from cms_pages.models.content import (  # noqa: F401
    AnnouncementAttachment,
    AnnouncementIndexPage,
    AnnouncementPage,
    BodyBlock,
    Category,
    DocumentIndexPage,
    DocumentStatus,
    DocumentType,
    LegalDocumentFile,
    LegalDocumentPage,
    NewsIndexPage,
    NewsPage,
    Priority,
    SectionPage,
    StandardPage,
    number_key,
)
from cms_pages.models.profile import ContactEntry, ContactPage, Leader, ProcedureLink, ProfilePage  # noqa: F401
