"""Connected from StationConfig.ready(): a programme that changes recomposes the clusters it reaches."""

from django.db.models.signals import post_delete, post_save


def register():
    from station import tasks
    from station.models import Programme

    post_save.connect(tasks.on_programme_changed, sender=Programme, dispatch_uid="station-programme-saved")
    post_delete.connect(tasks.on_programme_changed, sender=Programme, dispatch_uid="station-programme-deleted")
