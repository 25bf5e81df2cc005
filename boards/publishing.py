"""Turning a board's content into a playlist version: the side effects around the pure parts.

    candidates_for(board) → compose() → render each slide (or find it already rendered) →
    write content-addressed files → a new PlaylistVersion when the items changed.

A loudspeaker cluster (kind "audio") goes the same way with compose_audio() and an MP3
bulletin per item (boards/bulletins.py), read with its commune's voice; its version also
carries the broadcast schedule (PlaylistVersion.schedule).

Called by the django-q2 tasks (boards/tasks.py) when pages are published, unpublished or
expire, and by `manage.py render_boards`. A slide that fails to render is skipped and
recorded (RenderProblem); the rest of the board still plays.
"""

import dataclasses
import datetime
import hashlib
import json
import logging
import os
import re
import tempfile

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image
from wagtail import hooks
from wagtail.models import Page

from areas.models import AreaPage, CommuneHomePage, PortalHomePage
from areas.models.site_settings import voice_for_site
from boards import channel, feeds, screen, zones
from boards.bulletins import bulletin_file, candidate_text
from boards.composition import (
    AudioRules,
    Candidate,
    Daypart,
    RecordedAudio,
    Rules,
    VideoClip,
    compose,
    compose_audio,
    explain,
    next_midnight,
)
from boards.item_settings import overrides_for
from boards.models import Board, CommandKind, MediaSlide, PlaylistVersion, RenderedFile, RenderProblem, SlideCache
from boards.rendering import draw_plan, encode_png, load_theme, plan_slide, shape_for
from boards.slide import SlideContent, cache_key
from cms_pages.models import AnnouncementPage, NewsPage
from sources.models import EmergencyAlertPage, SourceItemPage, targeted_at_board, with_sources
from speech import SpeechUnavailable, get_engine

log = logging.getLogger(__name__)
NEWS_LOOKED_AT = 50  # the newest news considered before the board's own limit
# What the preview lists besides what may play (candidates_for(…, everything=True)): items not
# chosen for the boards, tests and exercises, and items expired within this many days.
EXPIRED_LISTED = datetime.timedelta(days=30)
UNCHOSEN_NEWS_LISTED = 20
NOT_CHOSEN = "không chọn hiện trên bảng"


# --- Where a board's content comes from ----------------------------------------------------------


def content_root(owner):
    """The subtree whose pages a board of `owner` shows: a commune's own site, or an area's portal."""
    owner = owner.specific
    if isinstance(owner, CommuneHomePage | PortalHomePage):
        return owner
    if isinstance(owner, AreaPage):
        return PortalHomePage.objects.child_of(owner).first()
    return None


def boards_reached_by(page):
    """The boards whose content includes `page` (its commune's, or its portal area's boards)."""
    ancestors = Page.objects.ancestor_of(page, inclusive=True).type(CommuneHomePage, PortalHomePage)
    owners = []
    for home in ancestors:
        owners.append(home.pk)
        if home.specific_class is PortalHomePage:
            owners.append(home.get_parent().pk)
    return Board.objects.filter(owner_id__in=owners, is_active=True)


def _unit_name(owner):
    owner = owner.specific
    name = getattr(owner, "name_in_sentence", None)
    if name is None:  # a portal home: its area
        name = owner.get_parent().specific.name_in_sentence
    return f"UBND {name}"


SOURCE_RENDITION = "max-2000x2000"  # slides read a bounded copy, not a 12-megapixel original


def _image_path(image):
    """A local file of the picture for the renderer: Wagtail's rendition (made once, kept),
    so decoding stays cheap whatever size was uploaded; the original if that fails."""
    if image is None:
        return None
    try:
        try:
            return image.get_rendition(SOURCE_RENDITION).file.path
        except Exception:  # noqa: BLE001 - an unreadable original: let the renderer report it
            return image.file.path
    except (NotImplementedError, ValueError):  # remote storage: no local path
        return None


def candidates_for(board, now, everything=False):
    """Every item that could play on `board`, with its validity and priority (not yet filtered).
    `everything`: also the items that cannot play (not chosen for the boards, a CAP test or
    exercise: `held_back` says why; expired within EXPIRED_LISTED), for the preview."""
    root = content_root(board.owner)
    header = _unit_name(board.owner)
    date_label = "" if has_clock(board) else _date_label(now)  # a clock zone shows the date instead
    site = root.get_site() if root is not None else None
    footer = site.hostname if site else ""
    items = []
    if root is not None:
        announcements = AnnouncementPage.objects.live().descendant_of(root)
        if everything:
            announcements = announcements.filter(models_q_valid_until(now - EXPIRED_LISTED))
        else:
            announcements = announcements.filter(show_on_boards=True).filter(models_q_valid_until(now))
        for page in announcements:
            items.append(
                Candidate(
                    key=f"announcement:{page.pk}",
                    kind="announcement",
                    priority=page.priority,
                    date=page.valid_from or page.first_published_at,
                    valid_from=page.valid_from,
                    valid_until=page.valid_until,
                    held_back="" if page.show_on_boards else NOT_CHOSEN,
                    payload=SlideContent(
                        kind="announcement",
                        title=page.title,
                        summary=page.summary,
                        priority=page.priority,
                        qr_url=page.full_url,
                        header=header,
                        date_label=date_label,
                        footer=footer,
                    ),
                )
            )
        newest = NewsPage.objects.live().descendant_of(root).select_related("featured_image").order_by("-date", "-pk")
        news = list(newest.filter(show_on_boards=True)[:NEWS_LOOKED_AT])
        if everything:
            news += list(newest.filter(show_on_boards=False)[:UNCHOSEN_NEWS_LISTED])
        for page in news:
            published = page.first_published_at or now
            items.append(
                Candidate(
                    key=f"news:{page.pk}",
                    kind="news",
                    date=max(published, _start_of(page.date, now)),
                    held_back="" if page.show_on_boards else NOT_CHOSEN,
                    payload=SlideContent(
                        kind="news",
                        title=page.title,
                        summary=page.summary,
                        image_path=_image_path(page.featured_image),
                        picture_fit=page.picture_fit,
                        qr_url=page.full_url,
                        header=header,
                        date_label=date_label,
                        footer=footer,
                    ),
                )
            )
    items.extend(pushed_candidates(board, now, date_label, everything))
    # Apps above boards add their own (station/: recorded programmes on loudspeaker clusters).
    for hook in hooks.get_hooks("construct_board_candidates"):
        items.extend(hook(board, now, everything))
    if board.is_audio:  # pictures and clips: nothing to read aloud
        return items
    media = MediaSlide.objects.filter(owner_id=board.owner_id).select_related("image", "video")
    for slide in media:
        chosen = list(slide.boards.values_list("pk", flat=True))
        if chosen and board.pk not in chosen:
            continue
        dayparts = ()
        days = (
            frozenset(int(x) for x in slide.weekdays.split(",") if x.strip()) if slide.weekdays else frozenset(range(7))
        )
        if slide.daily_start is not None or slide.weekdays:
            dayparts = (Daypart(days, slide.daily_start or _midnight(), slide.daily_end or _midnight()),)
        items.append(
            Candidate(
                key=f"media:{slide.pk}",
                kind="media",
                priority=slide.priority,
                date=slide.valid_from,
                valid_from=slide.valid_from,
                valid_until=slide.valid_until,
                dayparts=dayparts,
                duration_s=slide.duration_seconds,
                payload=SlideContent(
                    kind="image", title=slide.title, image_path=_image_path(slide.image), picture_fit=slide.picture_fit
                )
                if slide.image_id
                else VideoClip(slide.video),
            )
        )
    for candidate in feeds.feed_candidates(board, now, everything=everything):  # RSS/Atom feeds, calendars
        if date_label and isinstance(candidate.payload, SlideContent):  # dated like the unit's own slides
            candidate = dataclasses.replace(
                candidate, payload=dataclasses.replace(candidate.payload, date_label=date_label)
            )
        items.append(candidate)
    return items


def pushed_candidates(board, now, date_label, everything=False):
    """Source information and emergency alerts from the province or district that reach
    `board` (docs/architecture.md, flow 3): by the same path as the unit's own announcements.
    Only what is for the public (TargetedQuerySet.for_public: never a CAP test or exercise);
    `everything`: the rest too, held back with the reason (for the preview)."""
    owner_path = board.owner.path
    pages = []
    for model in (SourceItemPage, EmergencyAlertPage):
        if everything:
            live = model.objects.live().filter(models_q_valid_until(now - EXPIRED_LISTED))
        else:
            live = model.objects.for_public().filter(show_on_boards=True).filter(models_q_valid_until(now))
        if model is SourceItemPage:
            live = live.select_related("image")
        pages.extend(targeted_at_board(live, board, owner_path))
    items = []
    for page in with_sources(pages):
        alert = isinstance(page, EmergencyAlertPage)
        summary = page.summary
        if alert and page.instruction:
            summary = f"{summary} {page.instruction}"
        candidate = pushed_candidate(page)
        payload = SlideContent(
            kind="announcement",
            title=page.title,
            summary=summary,
            priority="emergency" if alert else page.priority,
            image_path=None if alert else _image_path(page.image),
            picture_fit="cover" if alert else page.picture_fit,
            qr_url=page.full_url,
            header=page.source_name,
            date_label=date_label,
            footer=_host(page),
        )
        more = ()
        if alert and not board.is_audio:  # loudspeakers read it all in one bulletin
            payload, *more = alert_slides(page, payload, board)
        area = page.source_area
        from_above = area is None or area.pk != board.owner_id  # not the board's own unit's item
        items.append(dataclasses.replace(candidate, payload=payload, pages=tuple(more), from_above=from_above))
    return items


def pushed_candidate(page):
    """A source item or alert as a board candidate, without what it shows (its timing, priority
    and whether it may play at all): the same for every board it reaches."""
    alert = isinstance(page, EmergencyAlertPage)
    held_back = page.not_public_reason or ("" if page.show_on_boards else NOT_CHOSEN)
    return Candidate(
        key=f"pushed:{page.pk}",
        kind="pushed",
        priority="emergency" if alert else page.priority,
        date=page.valid_from or page.first_published_at,
        valid_from=page.valid_from,
        valid_until=page.valid_until,
        held_back=held_back,
    )


# --- An emergency on a board: headline, instruction and end, as many slides as it takes --------


PROBE = SlideContent(
    kind="announcement", title="Tiêu đề", summary="Tóm tắt", header="UBND", date_label="Thứ Hai, 23/11/2026"
)


def shown_roles(board):
    """What the board's layout shows of a slide ("title", "summary", "date" …), from the
    renderer's own plan of a sample slide at the board's size: an LED board shows titles only."""
    if board.is_audio:
        return frozenset()
    try:
        plan = plan_slide(PROBE, *slide_size(board), board.theme)
    except Exception:  # noqa: BLE001 - a size or theme the renderer refuses: rendering says why
        return frozenset()
    return frozenset(text.role for text in plan.texts)


# --- Zones: where the slides go, and what else the screen shows (boards/zones.py, screen.py) ------


def board_zones(board):
    """The zones of a screen's layout (LayoutError when the layout does not fit the board)."""
    return zones.zones_for(board.layout or "full", board.width, board.height, board.theme)


def slide_size(board):
    """(width, height) at which the board's slides are rendered: its main zone's; the whole
    screen when its layout cannot be used (rebuild() records why)."""
    try:
        main = zones.zone(board_zones(board), "main")
    except ValueError:
        return board.width, board.height
    return main.width, main.height


def has_clock(board):
    """Whether the screen has a clock zone (then slides leave the date out)."""
    if board.is_audio:
        return False
    try:
        return zones.zone(board_zones(board), "clock") is not None
    except ValueError:
        return False


def alert_end(page):
    """ "Hiệu lực đến 18:00 07/12" (local time), "" when the alert has no end."""
    if page.valid_until is None:
        return ""
    return f"Hiệu lực đến {timezone.localtime(page.valid_until):%H:%M %d/%m}"


def alert_slides(page, content, board):
    """The slides of an emergency `page` on `board`, `content` being its single slide: the
    headline, the instruction (the description when there is none) and the end, never cut.
    A screen with room for a summary shows them on one slide (the description too), or on
    as many as the text needs; an LED board that shows titles only gets the headline, the
    instruction split into pages that fit, and the end, each a slide of its own."""
    roles = shown_roles(board)

    def fits(candidate, role):
        try:
            plan = plan_slide(candidate, *slide_size(board), board.theme)
        except Exception:  # noqa: BLE001 - rendering reports the problem for this slide
            return True
        return not any(t.fitted.truncated for t in plan.texts if t.role == role)

    end = alert_end(page)
    if "summary" in roles:
        text = " ".join(p.strip() for p in (page.summary, page.instruction, f"{end}." if end else "") if p.strip())
        chunks = split_to_fit(text, lambda t: fits(dataclasses.replace(content, summary=t), "summary"))
        return [dataclasses.replace(content, summary=chunk) for chunk in chunks]
    if "title" not in roles:
        return [content]
    slides = []
    for text in (page.title, page.instruction.strip() or page.summary, end):
        plain = dataclasses.replace(content, summary="")
        chunks = split_to_fit(text, lambda t, plain=plain: fits(dataclasses.replace(plain, title=t), "title"))
        slides += [dataclasses.replace(plain, title=chunk) for chunk in chunks]
    return slides or [content]


_CLAUSE_END = re.compile(r"[.;:,!?…)]$")


def split_to_fit(text, fits):
    """`text` cut between words into the fewest pieces each of which `fits` (a predicate on a
    piece), each as long as fits, preferring to end a piece at a clause (., ; :) when that
    keeps at least half of it. A word too long for a piece alone is a piece alone."""
    words = (text or "").split()
    pieces = []
    start = 0
    while start < len(words):
        rest = len(words) - start
        if fits(" ".join(words[start:])):
            count = rest
        else:  # the largest count that fits (fewer words always fit when more do)
            low, high = 1, rest - 1
            count = 1
            while low <= high:
                middle = (low + high) // 2
                if fits(" ".join(words[start : start + middle])):
                    count, low = middle, middle + 1
                else:
                    high = middle - 1
            clause = next(
                (n for n in range(count, count // 2, -1) if _CLAUSE_END.search(words[start + n - 1])),
                None,
            )
            count = clause or count
        pieces.append(" ".join(words[start : start + count]))
        start += count
    return pieces


def _host(page):
    site = page.get_site()
    return site.hostname if site else ""


def models_q_valid_until(now):
    return Q(valid_until__isnull=True) | Q(valid_until__gt=now)


def _midnight():
    return datetime.time(0, 0)


def _start_of(day, now):
    return datetime.datetime.combine(day, datetime.time(0, 0), now.tzinfo)


WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def _date_label(now):
    return f"{WEEKDAY_NAMES[now.weekday()]}, {now:%d/%m/%Y}"


# --- Files ------------------------------------------------------------------------------------


def store_file(data: bytes, kind: str, width: int, height: int, duration_s: float | None = None) -> RenderedFile:
    """Write `data` under MEDIA_ROOT/boards/<2 hex>/<sha256>.<kind> once (atomically) and record it
    (with its duration for audio)."""
    return store_blocks(lambda: (data,), kind, width, height, duration_s)


def store_blocks(blocks, kind: str, width: int, height: int, duration_s: float | None = None) -> RenderedFile:
    """store_file() for content read in blocks: `blocks()` gives an iterable of bytes, called once
    to hash it and once more to write it when the file is new (a large upload never sits whole
    in memory)."""
    digest, size = hashlib.sha256(), 0
    for block in blocks():
        digest.update(block)
        size += len(block)
    digest = digest.hexdigest()
    existing = RenderedFile.objects.filter(sha256=digest).first()
    relative = f"boards/{digest[:2]}/{digest}.{kind}"
    target = os.path.join(settings.MEDIA_ROOT, relative)
    if existing is None or not os.path.exists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            for block in blocks():
                handle.write(block)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # readers see the whole file or none
    if existing is not None:
        if duration_s is not None and existing.duration_s is None:
            existing.duration_s = duration_s
            RenderedFile.objects.filter(sha256=digest).update(duration_s=duration_s)
        return existing
    file, _created = RenderedFile.objects.get_or_create(
        sha256=digest,
        defaults={
            "kind": kind,
            "path": relative,
            "size": size,
            "width": width,
            "height": height,
            "duration_s": duration_s,
        },
    )
    return file


def file_url(file):
    return f"{settings.MEDIA_URL}{file.path}"


# --- One board ----------------------------------------------------------------------------------


def _render(board, content):
    """The RenderedFile of one slide, rendered only when its inputs are new."""
    width, height = slide_size(board)
    key = cache_key(content, width, height, board.theme)
    cached = SlideCache.objects.filter(key=key).select_related("file").first()
    if cached is not None:
        return cached.file, False, []
    plan = plan_slide(content, width, height, board.theme)
    data = encode_png(draw_plan(plan, content.image_path))
    file = store_file(data, "png", width, height)
    SlideCache.objects.get_or_create(key=key, defaults={"file": file})
    return file, True, [TEXT_ROLES.get(t.role, t.role) for t in plan.texts if t.fitted.truncated]


TEXT_ROLES = {
    "title": "tiêu đề",
    "summary": "tóm tắt",
    "label": "nhãn",
    "header": "tên đơn vị",
    "date": "ngày",
    "caption": "chú thích",
}


def board_rules(board):
    """The composition rules of a screen: its news limit and slide time, and whether its slides
    show today's date (then the playlist changes at local midnight)."""
    return Rules(
        news_count=board.news_count,
        default_duration_s=board.default_slide_seconds,
        dated="date" in shown_roles(board),
    )


def slides_of(candidate):
    """[(playlist item id, what it shows)] of one candidate: its payload under its own key, and
    each further page under "<key>:<n>" from 2 (ids stay unique in the playlist; proof of play
    of the first counts the item's plays, boards.delivery.plays_by_board)."""
    return [(candidate.key, candidate.payload)] + [
        (page_id(candidate.key, number), page) for number, page in enumerate(candidate.pages, start=2)
    ]


def page_id(key, number):
    return key if number == 1 else f"{key}:{number}"


def explain_board(board, now=None):
    """Every item the board could show, each with whether it plays now and, if not, why (in
    Vietnamese): composition.explain() over candidates_for(…, everything=True)."""
    now = timezone.localtime(now)
    candidates = candidates_for(board, now, everything=True)
    rules = Rules(news_count=board.news_count) if board.is_audio else board_rules(board)
    return explain(candidates, now, rules, overrides=overrides_for(board))


AIRINGS_HORIZON = datetime.timedelta(hours=48)  # two days: a programme survives a day without the server


def audio_rules(board, now=None):
    """The cluster's broadcast rules, with the commune's slot plans of the coming day (filled by
    the hook `construct_broadcast_plans`: station/, Thông tư 39's broadcast programme)."""
    now = timezone.localtime(now)
    plans = []
    for hook in hooks.get_hooks("construct_broadcast_plans"):
        plans.extend(hook(board, now, now + AIRINGS_HORIZON))
    return AudioRules(
        broadcast_times=tuple(board.broadcast_schedule),
        emergency_repeat_s=int(board.emergency_repeat_minutes) * 60,
        news_count=board.news_count,
        plans=tuple(plans),
    )


def audio_schedule(board, now, composition=None):
    """What a loudspeaker cluster's player needs to play at the right times, in its playlist:
    the broadcast times and, for the coming day, each broadcast's items in order (`airings`,
    the commune's programme; the player plays a broadcast by it up to `airings_until`, and by the
    broadcast times alone after that)."""
    schedule = {
        "broadcast_times": [f"{t:%H:%M}" for t in board.broadcast_schedule],
        "emergency_repeat_s": int(board.emergency_repeat_minutes) * 60,
        "timezone": settings.TIME_ZONE,
        "utc_offset": utc_offset(now),
    }
    for hook in hooks.get_hooks("construct_audio_schedule"):  # station/: volume per class of item
        schedule.update(hook(board))
    if composition is not None:
        schedule["airings"] = [
            {"at": a.at.isoformat(), "items": list(a.keys)} for a in composition.airings if not a.emergency
        ]
        schedule["airings_until"] = (now + AIRINGS_HORIZON).replace(second=0, microsecond=0).isoformat()
    return schedule


def utc_offset(now):
    """ "+07:00": the UTC offset of `now` (an aware local time), for players without tz data."""
    offset = now.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}" if offset else "+00:00"


def screen_schedule(board, now):
    """When a screen is on (the player switches it off outside its operating hours, by its own
    clock: docs/architecture.md, "Real-time channel v1"), in its playlist; {} without hours."""
    hours = sorted((h.weekday, f"{h.start:%H:%M}", f"{h.end:%H:%M}", h.brightness) for h in board.hours.all())
    if not hours:
        return {}
    return {
        "power": {
            "hours": [list(h) for h in hours],
            "timezone": settings.TIME_ZONE,
            "utc_offset": utc_offset(now),
        }
    }


def board_voice(board):
    """The voice a loudspeaker cluster reads with: its unit's site's (SiteIdentity.voice)."""
    root = content_root(board.owner)
    return voice_for_site(root.get_site() if root is not None else None)


class _Speaker:
    """Reads a board's items aloud: one engine and one voice for the whole rebuild."""

    def __init__(self, board):
        self.voice = board_voice(board)
        try:
            self.engine, self.error = get_engine(), None
        except SpeechUnavailable as exc:  # an unknown TTS_ENGINE: every item says why
            self.engine, self.error = None, exc

    def render(self, candidate):
        if self.error is not None:
            raise self.error
        return bulletin_file(candidate_text(candidate), self.voice, self.engine)


def rebuild(board, now=None):
    """Compose, render what changed, and publish a new version if the playlist changed.
    Returns (version, created, rendered_count, problems)."""
    now = timezone.localtime(now)
    schedule, speaker = {}, None
    if board.is_audio:
        composition = compose_audio(candidates_for(board, now), now, audio_rules(board, now), AIRINGS_HORIZON)
        schedule, speaker = audio_schedule(board, now, composition), _Speaker(board)
    else:
        composition = compose(candidates_for(board, now), now, board_rules(board), overrides=overrides_for(board))
        schedule = screen_schedule(board, now)
    items, frames, problems, rendered = [], [], [], 0
    for entry in composition.entries:
        candidate = entry.candidate
        for item_id, payload in slides_of(candidate):
            duration = entry.duration_s
            try:
                if isinstance(payload, RecordedAudio):  # a recorded programme plays as it is
                    file = payload.file
                    kind, duration = "audio", round(float(file.duration_s), 3)
                elif speaker is not None:  # a loudspeaker cluster: an MP3 bulletin, as long as it reads
                    file, new = speaker.render(candidate)
                    rendered += new
                    kind, duration = "audio", round(float(file.duration_s), 3)
                elif isinstance(payload, VideoClip):  # an uploaded video clip plays as it is
                    file = _video_clip(payload.document)
                    kind = "video"
                else:
                    file, new, cut = _render(board, payload)
                    rendered += new
                    frames.append((file, entry.duration_s))
                    kind = "video" if file.kind == "mp4" else "image"
                    if cut:  # it plays, but the editor should know the words did not all fit
                        problems.append(
                            (
                                candidate,
                                "Đã lên bảng nhưng chữ không vừa, bị cắt bớt (…): "
                                + ", ".join(cut)
                                + ". Rút gọn cho bảng {}×{}.".format(*slide_size(board)),
                            )
                        )
            except Exception as exc:  # noqa: BLE001 - one item never blanks a board
                message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
                problems.append((candidate, message))
                log.warning("board %s: item %s skipped: %s", board.pk, item_id, message)
                continue
            items.append(
                {
                    "id": item_id,
                    "kind": kind,
                    "url": file_url(file),
                    "sha256": file.sha256,
                    "bytes": file.size,
                    "duration_s": duration,
                    "valid_from": candidate.valid_from.isoformat() if candidate.valid_from else None,
                    "valid_to": candidate.valid_until.isoformat() if candidate.valid_until else None,
                    "priority": candidate.priority,
                    "title": payload.document.title
                    if isinstance(payload, VideoClip)
                    else getattr(payload, "title", ""),
                }
            )
    layout = None
    if not board.is_audio and (board.layout or "full") != "full":
        try:
            layout = screen_layout(board, now, composition)
        except Exception as exc:  # noqa: BLE001 - the slides still play, full screen; the editor sees why
            problems.append((LAYOUT_ITEM, getattr(exc, "message", None) or str(exc)))
            log.warning("board %s: layout skipped: %s", board.pk, exc)
    if layout is not None:
        schedule = {**schedule, "layout": layout}
    shape = [items, board.output, board.width, board.height]
    if schedule:  # a screen without operating hours keeps the shape it always had
        shape.append(schedule)
    fingerprint = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()
    next_change = composition.next_change
    if board.is_audio:  # its programme (airings, relays' windows) looks two days ahead: renewed daily at least
        daily = now + datetime.timedelta(hours=24)
        next_change = daily if next_change is None else min(next_change, daily)
    if layout is not None and board.wants_video and any(z["role"] == "clock" for z in layout["zones"]):
        midnight = next_midnight(now)  # the video's clock zone shows today's date, drawn in
        next_change = midnight if next_change is None else min(next_change, midnight)
    with transaction.atomic():
        Board.objects.filter(pk=board.pk).update(recompose_at=next_change)
        for candidate, message in problems:
            RenderProblem.objects.create(
                board=board,
                item_key=candidate.key,
                message=message[:2000],
                title=str(getattr(candidate.payload, "title", ""))[:255],
            )
        current = PlaylistVersion.objects.select_for_update().filter(board=board).order_by("-number").first()
        if current is not None and current.fingerprint == fingerprint:
            return current, False, rendered, problems
    video = None
    if board.wants_video and frames:
        try:
            video = _playlist_video(board, frames, layout, now)
        except Exception as exc:  # noqa: BLE001 - the images still go out; the error is shown
            log.warning("board %s: playlist video failed: %r", board.pk, exc)
            RenderProblem.objects.create(
                board=board,
                item_key="video",
                title="Video danh sách phát",
                message=f"Không tạo được video H.264: {exc}"[:2000],
            )
    with transaction.atomic():
        current = PlaylistVersion.objects.select_for_update().filter(board=board).order_by("-number").first()
        if current is not None and current.fingerprint == fingerprint:
            return current, False, rendered, problems
        version = PlaylistVersion.objects.create(
            board=board,
            number=(current.number + 1) if current else 1,
            items=items,
            video=video,
            fingerprint=fingerprint,
            emergency=composition.emergency,
            generated_at=timezone.now(),
            schedule=schedule,
        )
    if channel.enabled() and board.mqtt_hash:  # the player fetches it now, not at its next poll
        number = version.number
        transaction.on_commit(lambda: channel.send(board, CommandKind.COLLECT, {"version": number}))
    return version, True, rendered, problems


def _video_clip(document):
    """An uploaded clip, re-served content-addressed (read in blocks, never whole in memory)."""

    def blocks():
        with document.file.open("rb") as handle:
            yield from iter(lambda: handle.read(1 << 20), b"")

    return store_blocks(blocks, "mp4", 0, 0)


def _playlist_video(board, frames, layout=None, now=None):
    """The playlist as one H.264 MP4 (boards/video.py), cached by what it is made of: the slides
    and, for a zoned screen, its layout (the ticker's text and speed, the panel, the date of the
    clock zone)."""
    # boards.video loads PyAV and OpenCV's video side: only for boards that want a video.
    from boards.video import encode_playlist_video

    parts = ["video", [(f.sha256, d) for f, d in frames], board.width, board.height]
    if layout is not None:
        parts += [layout, f"{now:%Y-%m-%d}", zones.digest(board.theme)]
    key = hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    cached = SlideCache.objects.filter(key=key).select_related("file").first()
    if cached is not None:
        return cached.file
    slides = []
    for file, duration in frames:
        with Image.open(os.path.join(settings.MEDIA_ROOT, file.path)) as image:
            slides.append((image.convert("RGB"), duration))
    if layout is not None:
        data = _zoned_video(board, slides, layout, now)
    else:
        data = encode_playlist_video(slides, board.width, board.height)
    file = store_file(data, "mp4", board.width, board.height)
    SlideCache.objects.get_or_create(key=key, defaults={"file": file})
    return file


# --- A zoned screen's layout ---------------------------------------------------------------------

LAYOUT_ITEM = Candidate(key="layout", kind="layout", payload=SlideContent(kind="announcement", title="Bố cục màn hình"))


def _file_ref(file):
    return {"url": file_url(file), "sha256": file.sha256, "bytes": file.size}


def _font_file(path):
    with open(path, "rb") as handle:
        return store_file(handle.read(), "ttf", 0, 0)


def panel_lines(board, now, composition):
    """[(label, title)] of the side panel: the calendars' and feeds' lines, else the news playing."""
    lines = list(feeds.panel_lines(board, now))
    if not lines:
        for entry in composition.entries:
            payload = entry.candidate.payload
            if entry.candidate.kind == "news" and getattr(payload, "title", ""):
                date = entry.candidate.date
                lines.append((f"{timezone.localtime(date):%d/%m}" if date else "", payload.title))
    return lines


def screen_layout(board, now, composition):
    """The layout a zoned screen's players draw (docs/architecture.md, "Screens: zones"): the
    zones with the ticker's text, the clock's formats, the panel's picture, and the font."""
    from boards.ticker import font_size  # the ticker's glyph metrics (Pillow): screens only

    zone_list = board_zones(board)
    theme = load_theme(board.theme)
    tiny = shape_for(board.width, board.height, theme) == "tiny"
    spec = zones.load_zones(board.theme)
    colours = spec["colours"]
    root = content_root(board.owner)
    site = root.get_site() if root is not None else None
    layout = {
        "name": board.layout,
        "width": board.width,
        "height": board.height,
        "background": colours["background"],
        "font": _file_ref(_font_file(theme.fonts["bold"])),
        "zones": [],
    }
    for zone in zone_list:
        data = zone.as_dict()
        if zone.id == "ticker":
            fallback = _unit_name(board.owner) + (f" · {site.hostname}" if site else "")
            text, emergency = screen.ticker_text(
                composition.entries, feeds.ticker_lines(board, now), board.ticker_text, fallback
            )
            colour, background = screen.ticker_colours(board.theme, tiny, emergency)
            data.update(
                text=text,
                separator=spec["ticker"]["separator"],
                speed_px_s=screen.ticker_speed(board.theme, board.ticker_speed, zone.height),
                font_px=font_size(theme.fonts["bold"], zone.height),
                colour=colour,
                background=background,
                emergency=emergency,
                crisp=tiny,
            )
        elif zone.id == "clock":
            data.update(
                time_format=spec["clock"]["time_format"],
                date_format=spec["clock"]["date_format"],
                weekdays=list(spec["clock"]["weekdays"]),
                timezone=settings.TIME_ZONE,
                utc_offset=utc_offset(now),
                colour=colours["clock_text"],
                date_colour=colours["clock_date"],
                background=colours["clock_background"],
            )
        elif zone.id == "panel":
            picture = screen.render_panel(
                zone.width,
                zone.height,
                board.theme,
                site.root_url + "/" if site else "",
                site.hostname if site else "",
                panel_lines(board, now, composition),
            )
            data.update(_file_ref(store_file(encode_png(picture), "png", zone.width, zone.height)))
        layout["zones"].append(data)
    return layout


def _zoned_video(board, slides, layout, now):
    """The whole zoned screen as one H.264 MP4 for players that play video only: the slides in
    the main zone, the panel, the clock zone with today's date drawn in, the line scrolling."""
    from boards import ticker
    from boards.video import TickerVideo, encode_zoned_video

    theme = load_theme(board.theme)
    layers, main_rect, band = [], None, None
    for zone in layout["zones"]:
        rect = (zone["x"], zone["y"], zone["width"], zone["height"])
        if zone["role"] == "main":
            main_rect = rect
        elif zone["role"] == "image":
            with Image.open(os.path.join(settings.MEDIA_ROOT, zone["url"][len(settings.MEDIA_URL) :])) as picture:
                layers.append((picture.convert("RGB"), zone["x"], zone["y"]))
        elif zone["role"] == "clock":
            picture = screen.render_clock(zone["width"], zone["height"], board.theme, now, with_time=False)
            layers.append((picture, zone["x"], zone["y"]))
        elif zone["role"] == "ticker":
            strip = ticker.strip(
                zone["text"],
                zone["separator"],
                zone["height"],
                theme.fonts["bold"],
                zone["font_px"],
                zone["colour"],
                zone["background"],
                crisp=zone.get("crisp", False),
            )
            band = TickerVideo(rect=rect, strip=strip, speed_px_s=zone["speed_px_s"])
    return encode_zoned_video(board.width, board.height, slides, main_rect, layers=layers, ticker=band)
