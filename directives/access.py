"""Who may see and do what with directives: the one place every view of directives/ asks.

Senders. The staff (editors, moderators) of a province or district write and send directives
for their unit, and see and manage those sent by their unit or by a unit inside it (a province's
staff also see their districts' directives, as areas/scoping.py gives them every unit inside).
A district's staff do not see what the province sent to their communes.

Recipients. A commune's staff see the directives sent to their commune; a department's staff
(areas.scoping.user_departments) those sent to their department; nothing else ("Văn bản đến").
A district's staff do not read their communes' inbox: each unit answers for itself.

Superusers see everything on both sides. Anything else, a draft included, is a 404 on every URL,
files too (they have no public URL: directives/files.py).
"""

from django.db.models import Q
from django.http import Http404

from areas.models import AreaPage, CommuneHomePage, Department
from areas.scoping import under, user_departments, user_units
from directives.models import Directive, DirectiveRecipient


def sender_units(user):
    """The provinces and districts `user` may send for (all of them for a superuser), by path."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return list(AreaPage.objects.filter(level__in=["province", "district"]).order_by("path"))
    return sorted((u for u in user_units(user) if isinstance(u, AreaPage)), key=lambda u: u.path)


def may_send(user):
    return bool(sender_units(user))


def sent_directives(user):
    """Directives (drafts included) of the user's sending units and the units inside them."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Directive.objects.none()
    if user.is_superuser:
        return Directive.objects.all()
    paths = [u.path for u in sender_units(user)]
    return Directive.objects.filter(under("sender__path", paths)) if paths else Directive.objects.none()


def sent_directive(user, pk):
    found = sent_directives(user).select_related("sender").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def receiving_units(user):
    """(communes, departments) the user answers for."""
    communes = [u for u in user_units(user) if isinstance(u, CommuneHomePage)]
    return communes, user_departments(user)


def may_receive(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    communes, departments = receiving_units(user)
    return user.is_superuser or bool(communes or departments)


def inbox(user):
    """Recipient rows of sent directives addressed to the user's commune or department."""
    rows = DirectiveRecipient.objects.filter(directive__sent_at__isnull=False)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return rows.none()
    if user.is_superuser:
        return rows
    communes, departments = receiving_units(user)
    if not communes and not departments:
        return rows.none()
    return rows.filter(Q(commune__in=[c.pk for c in communes]) | Q(department__in=[d.pk for d in departments]))


def received(user, pk):
    found = inbox(user).select_related("directive__sender", "commune", "department__area").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def is_member(user, recipient):
    """Whether `user` is staff of the recipient's own commune or department (a superuser who
    opens it is not recorded as the unit having seen it)."""
    communes, departments = receiving_units(user)
    if recipient.commune_id:
        return any(c.pk == recipient.commune_id for c in communes)
    return any(d.pk == recipient.department_id for d in departments)


def unanswered_count(user):
    return inbox(user).filter(answered_at__isnull=True).count()


def may_read_directive(user, directive):
    """The sender's side, or a recipient of it once sent."""
    if sent_directives(user).filter(pk=directive.pk).exists():
        return True
    return directive.is_sent and inbox(user).filter(directive=directive).exists()


def may_read_answer(user, recipient):
    """The sender's side, or the recipient itself."""
    return (
        sent_directives(user).filter(pk=recipient.directive_id).exists() or inbox(user).filter(pk=recipient.pk).exists()
    )


# --- Recipients a sender may choose -----------------------------------------------------------


def commune_choices(senders):
    """Communes inside any of the `senders` (AreaPage)."""
    paths = [s.path for s in senders]
    if not paths:
        return CommuneHomePage.objects.none()
    return CommuneHomePage.objects.filter(under("path", paths)).order_by("path")


def department_choices(senders):
    """Active departments of the `senders` or of an area inside one."""
    paths = [s.path for s in senders]
    if not paths:
        return Department.objects.none()
    return Department.objects.filter(under("area__path", paths), is_active=True).select_related("area")


def outside(sender, communes=(), departments=()):
    """Names of chosen recipients that are not inside `sender`'s area (empty: all inside)."""
    names = [c.title for c in communes if not c.path.startswith(sender.path)]
    names += [d.full_name for d in departments if not d.area.path.startswith(sender.path)]
    return names


def sender_units_queryset(senders):
    return AreaPage.objects.filter(pk__in=[s.pk for s in senders]).order_by("path")
