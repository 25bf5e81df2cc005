from wagtail.signals import page_unpublished

from inquiries.handling import on_page_unpublished


def _answer_unpublished(sender, instance, **kwargs):
    # An answered question unpublished in the page explorer is private again in its queue.

    on_page_unpublished(sender, instance, **kwargs)


def register():
    page_unpublished.connect(_answer_unpublished, dispatch_uid="tincoso_inquiry_unpublished")
