"""Source items and alerts published or withdrawn here go to the subscribed downstream peers
(exchange/outbox.py); the outbox row is written in the publishing transaction and sent after
it commits."""

from wagtail.signals import page_published, page_unpublished


def _published(sender, instance, **kwargs):
    from exchange.outbox import on_page_published

    on_page_published(instance)


def _unpublished(sender, instance, **kwargs):
    from exchange.outbox import on_page_unpublished

    on_page_unpublished(instance)


def connect():
    from sources.models import EmergencyAlertPage, SourceItemPage

    for model in (SourceItemPage, EmergencyAlertPage):
        page_published.connect(_published, sender=model, dispatch_uid=f"exchange-published-{model.__name__}")
        page_unpublished.connect(_unpublished, sender=model, dispatch_uid=f"exchange-unpublished-{model.__name__}")
