"""Playlist video for the electronic boards: still slides → one H.264 MP4.

    encode_playlist_video(slides, width, height, fps=25, fade_seconds=0.5) -> bytes
    encode_zoned_video(width, height, slides, main_rect, layers=(), ticker=None, fps=25,
                       fade_seconds=0.5, background=(0, 0, 0)) -> bytes
    probe(mp4_bytes, decode=False) -> dict
    timeline(durations, fps=25, fade_seconds=0.5) -> list[SlideSpan]

A pure function like the PNG renderer (docs/architecture.md, "Boards"): the same slides give the same
bytes (same sha256), so a board never downloads a video twice. x264 is deterministic with a
fixed thread count and the MP4 carries no creation time; a different libx264/FFmpeg build
(a PyAV upgrade) may of course code the same slides differently. Not so the zoned videos
with a scrolling line: in the test suite the same inputs have given a few different bytes
(not the pictures; docs/architecture.md, "The ticker").

The video
---------
Each slide is shown for `round(duration * fps)` frames (Python's round, at least one), one
after another; the total frame count is their sum and the duration that count / fps. Over
the last `fade_seconds` of a slide (`round(fade_seconds * fps)` frames) it cross-fades into
the next one; there is no fade after the last slide, nor out of a slide shorter than twice
the fade. Fade frame k of F (from 0) shows the next slide with weight (k + 1) / (F + 1), so
the next slide's first frame, its keyframe, is the first one at full strength.

Fades are composed with OpenCV's `cv2.addWeighted` on the YUV 4:2:0 planes: the RGB → YUV
conversion is affine and the chroma subsampling linear, so blending the planes is the same
as blending the RGB images and converting (to within rounding), at half the memory traffic
and without one colour conversion per fade frame. Each slide is converted from RGB once
(BT.709, limited range, and the stream is tagged so).

Encoding: libx264 through PyAV (the opencv-python-headless wheel has no H.264 encoder) in an
MP4 with the moov atom first (`+faststart`, for progressive download); yuv420p, High
profile, constant frame rate (time base 1/fps, pts = frame index), no B-frames (decode order
= display order: simplest for small players), one reference frame, CRF 23, preset
"veryfast", tune "stillimage", a fixed thread count (2) and no scene-cut detection. Every
slide begins with an IDR frame, forced per frame (`VideoFrame.pict_type = I` with x264's
`forced-idr`); the GOP limit is the longest slide, so there are no other keyframes and a
player can start or seek at any slide.

Odd sizes: 4:2:0 H.264 cannot code an odd width or height, and the SPS cropping window moves
in steps of two chroma-sized pixels, so a one-pixel crop cannot be signalled. An odd width
or height is therefore padded by one pixel on the right / bottom with the edge colour
(replicated last column / row), and the MP4 reports the padded, even size.

Speed: copy frames
------------------
x264 spends 5–8 ms of CPU on each 1080p frame even when nothing changes (input copy,
look-ahead, skip probing, reference filtering), which holds a 2-core machine to about 5×
real time. So x264 only codes what changes: a slide's IDR and its first SETTLE_FRAMES frames
(enough for its rate control to settle the picture), then the fade frames. The rest of the
still part is made of *copy frames*: P slices in which every macroblock is skipped, which
decode to exactly the previous picture. The copy frame is not built by hand: a second x264
encoder with the same settings codes two flat grey frames, whose second frame is necessarily
all-skip, and its slice is reused with only `frame_num` rewritten (the one field that
differs between frames; with POC type 2 the picture order follows from it). The frames x264
codes after a run of copies have their `frame_num` rewritten too. This is valid because
there is one reference frame (x264's next frame predicts from its own last picture, which
the copies reproduce exactly); the copy frames are only used when both encoders' SPS/PPS are
byte-identical and have the expected shape (4:2:0, progressive, POC type 2, no scaling
lists, one reference), and the first one is decoded against the video's first IDR once. If
anything is not as expected, x264 codes every frame: slower, same format.

bench/bench_video.py measures it: about 6× faster than x264 coding every frame at 1080p
(30–40× real time for ten 8 s slides on 2 cores), files 5–12 % larger because the stills
come out slightly sharper (about +0.8 dB PSNR).

Zoned layouts
-------------
`encode_zoned_video` composes a board's layout (docs/architecture.md, "the zone contract"):
the slides in the main zone, static pictures (the side panel, the clock zone with the date
baked in) and the ticker, the strip of `boards.ticker.strip` scrolling right to left at
offset floor(frame index × speed / fps) mod its width, unbroken by slide changes. Without a
ticker the composed canvases go through the still-slide path above, copy frames included.
With one, x264 codes every frame: each slide is converted to YUV once, the fades are blended
as above, and the band is written into each frame by slicing: when its edges are even its
YUV is computed once for the whole loop, in two chroma phases (an odd offset starts mid-way
through a 2×2 chroma block); otherwise each frame converts the band's even-bounded region.
No text is drawn per frame. bench/bench_ticker.py measures it (60 s at 384×192: ~85× real
time; 1080p: ~6× on an idle 2-core machine, x264 being nearly all of it).
"""

from __future__ import annotations

import io
import math
import numbers
import os
import re
import tempfile
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

import av
import cv2
import numpy as np
from av.video.frame import PictureType
from av.video.reformatter import VideoReformatter
from PIL import Image, ImageColor

DEFAULT_FPS = 25
MIN_SIZE, MAX_SIZE = 64, 7680
MAX_FPS = 60
THREADS = 2  # fixed, not the machine's core count: the output must not depend on it
SETTLE_FRAMES = 8  # frames x264 encodes of each still part before copy frames take over
RC_LOOKAHEAD = 10  # x264's look-ahead: the IDR's quality sees this many frames after it

X264_PARAMS = {
    "ref": "1",  # copy frames rely on it (see the module docstring)
    "bframes": "0",
    "scenecut": "0",  # keyframes only where a slide begins
    "rc-lookahead": str(RC_LOOKAHEAD),
}
X264_OPTIONS = {"preset": "veryfast", "tune": "stillimage", "crf": "23", "forced-idr": "1"}
MP4_OPTIONS = {"movflags": "+faststart"}

BT709 = 1  # AVCOL_SPC / AVCOL_PRI / AVCOL_TRC value for BT.709
LIMITED_RANGE = 1  # AVCOL_RANGE_MPEG

NAL_SLICE = 1  # coded slice of a non-IDR picture
_START_CODE = re.compile(b"\x00\x00\x01")
_NEEDS_ESCAPE = re.compile(b"\x00\x00(?=[\x00-\x03])")


# --- plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlideSpan:
    """Where one slide sits in the video, in frames."""

    start: int  # index of its first frame (an IDR keyframe)
    frames: int  # frames it occupies, fade included
    fade: int  # of which the last `fade` cross-fade into the next slide

    @property
    def end(self) -> int:
        return self.start + self.frames

    @property
    def still(self) -> int:
        return self.frames - self.fade


def timeline(durations, fps=DEFAULT_FPS, fade_seconds=0.5) -> list[SlideSpan]:
    """The frame layout `encode_playlist_video` uses for slides of these durations."""
    _check_fps(fps)
    _check_fade(fade_seconds)
    counts = []
    for i, duration in enumerate(durations, start=1):
        if not _is_real(duration) or not math.isfinite(duration) or duration <= 0:
            raise ValueError(f"Thời lượng của trang chiếu {i} phải là số giây lớn hơn 0 (nhận {duration!r}).")
        counts.append(max(1, round(duration * fps)))
    if not counts:
        raise ValueError("Danh sách trang chiếu trống: video cần ít nhất một trang chiếu.")
    fade = round(fade_seconds * fps)
    spans, start = [], 0
    for i, count in enumerate(counts):
        fades = fade if (fade > 0 and i < len(counts) - 1 and count >= 2 * fade) else 0
        spans.append(SlideSpan(start, count, fades))
        start += count
    return spans


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_fps(fps):
    if not _is_int(fps) or not 1 <= fps <= MAX_FPS:
        raise ValueError(f"Tốc độ khung hình phải là số nguyên từ 1 đến {MAX_FPS} (nhận {fps!r}).")


def _check_fade(fade_seconds):
    if not _is_real(fade_seconds) or not math.isfinite(fade_seconds) or fade_seconds < 0:
        raise ValueError(f"Thời gian chuyển cảnh phải là số giây không âm (nhận {fade_seconds!r}).")


def _check_size(width, height):
    for value in (width, height):
        if not _is_int(value) or not MIN_SIZE <= value <= MAX_SIZE:
            raise ValueError(
                f"Kích thước video phải từ {MIN_SIZE} đến {MAX_SIZE} điểm ảnh mỗi chiều (nhận {width!r}×{height!r})."
            )


def _check_frame(frame, index, width, height, target="video"):
    """Refuse anything but a PIL image or an HxWx3 uint8 array of exactly width×height (the
    size of `target`, named in the message)."""
    if isinstance(frame, Image.Image):
        w, h = frame.size
    elif isinstance(frame, np.ndarray):
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(
                f"Trang chiếu {index} phải là ảnh RGB 8 bit (mảng cao×rộng×3 kiểu uint8), "
                f"không phải mảng {frame.shape} kiểu {frame.dtype}."
            )
        h, w = frame.shape[:2]
    else:
        raise ValueError(f"Trang chiếu {index} phải là ảnh PIL hoặc mảng numpy RGB, không phải {type(frame).__name__}.")
    if (w, h) != (width, height):
        raise ValueError(f"Trang chiếu {index} có kích thước {w}×{h}, khác kích thước {target} {width}×{height}.")


def _as_rgb(frame) -> np.ndarray:
    if isinstance(frame, Image.Image):
        return np.asarray(frame if frame.mode == "RGB" else frame.convert("RGB"))
    return frame


def _to_yuv(frame, width: int, height: int) -> np.ndarray:
    """RGB → yuv420p (BT.709, limited range) as PyAV's (H·3/2)×W plane array, padding an odd
    width or height by one pixel of the edge colour."""
    rgb = np.ascontiguousarray(_as_rgb(frame))
    if width % 2 or height % 2:
        rgb = cv2.copyMakeBorder(rgb, 0, height % 2, 0, width % 2, cv2.BORDER_REPLICATE)
    yuv = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
        format="yuv420p", dst_colorspace="itu709", dst_color_range="MPEG"
    )
    return yuv.to_ndarray()


# --- H.264 bitstream: just enough to copy frames and renumber them -------------------------


class _BitReader:
    def __init__(self, data: bytes):
        self.value = int.from_bytes(data, "big")
        self.size = len(data) * 8
        self.pos = 0

    def u(self, bits: int) -> int:
        if self.pos + bits > self.size:
            raise _Unsupported("truncated")
        self.pos += bits
        return (self.value >> (self.size - self.pos)) & ((1 << bits) - 1)

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise _Unsupported("bad Exp-Golomb code")
        return (1 << zeros) - 1 + self.u(zeros)


class _Unsupported(Exception):
    """The stream is not shaped as the copy frames need: encode every frame with x264."""


def _nal_units(annexb: bytes) -> list[bytes]:
    """The NAL units of an Annex B buffer, without their start codes."""
    starts = [m.end() for m in _START_CODE.finditer(annexb)]
    units = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - 3 if i + 1 < len(starts) else len(annexb)
        # A NAL unit never ends in a zero byte: trailing zeros are the next 4-byte start
        # code's first byte or trailing_zero_8bits.
        units.append(annexb[start:end].rstrip(b"\x00"))
    return units


def _unescape(ebsp: bytes) -> bytes:
    # In a valid NAL every 00 00 03 is an emulation prevention byte; replace() scans left to
    # right without overlap, exactly as a decoder drops them.
    return ebsp.replace(b"\x00\x00\x03", b"\x00\x00")


def _escape(rbsp: bytes) -> bytes:
    out = _NEEDS_ESCAPE.sub(b"\x00\x00\x03", rbsp)
    if out.endswith(b"\x00"):  # only after cabac_zero_words
        out += b"\x03"
    return out


def _set_bits(rbsp: bytes, pos: int, bits: int, value: int) -> bytes:
    data = bytearray(rbsp)
    for i in range(bits):
        bit = (value >> (bits - 1 - i)) & 1
        byte, shift = divmod(pos + i, 8)
        mask = 0x80 >> shift
        data[byte] = (data[byte] | mask) if bit else (data[byte] & ~mask)
    return bytes(data)


@dataclass(frozen=True)
class _Sps:
    log2_max_frame_num: int

    @property
    def max_frame_num(self) -> int:
        return 1 << self.log2_max_frame_num


def _parse_sps(rbsp: bytes) -> _Sps:
    r = _BitReader(rbsp[:64])
    profile_idc = r.u(8)
    r.u(16)  # constraint flags, level_idc
    r.ue()  # seq_parameter_set_id
    if profile_idc in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        if r.ue() != 1:  # chroma_format_idc: 4:2:0 only
            raise _Unsupported("not 4:2:0")
        r.ue()  # bit_depth_luma_minus8
        r.ue()  # bit_depth_chroma_minus8
        r.u(1)  # qpprime_y_zero_transform_bypass_flag
        if r.u(1):
            raise _Unsupported("scaling matrices")
    log2_max_frame_num = r.ue() + 4
    if r.ue() != 2:  # pic_order_cnt_type: 2 derives the picture order from frame_num
        raise _Unsupported("POC type")
    r.ue()  # max_num_ref_frames
    r.u(1)  # gaps_in_frame_num_value_allowed_flag
    r.ue()  # pic_width_in_mbs_minus1
    r.ue()  # pic_height_in_map_units_minus1
    if not r.u(1):  # frame_mbs_only_flag
        raise _Unsupported("interlaced")
    return _Sps(log2_max_frame_num)


def _check_pps(rbsp: bytes):
    r = _BitReader(rbsp[:64])
    r.ue()  # pic_parameter_set_id
    r.ue()  # seq_parameter_set_id
    r.u(1)  # entropy_coding_mode_flag
    r.u(1)  # bottom_field_pic_order_in_frame_present_flag
    if r.ue() != 0:  # num_slice_groups_minus1
        raise _Unsupported("slice groups")
    if r.ue() != 0:  # num_ref_idx_l0_default_active_minus1: one reference
        raise _Unsupported("more than one reference")


def _frame_num_pos(rbsp: bytes) -> int:
    """Bit position of frame_num in a slice header (4:2:0, so no colour_plane_id)."""
    r = _BitReader(rbsp[:32])
    r.ue()  # first_mb_in_slice
    r.ue()  # slice_type
    r.ue()  # pic_parameter_set_id
    return r.pos


def _parameter_sets(extradata: bytes) -> _Sps:
    """The SPS fields copy frames need, or _Unsupported when the stream is not as expected."""
    units = _nal_units(extradata or b"")
    sps = [u for u in units if u and u[0] & 0x1F == 7]
    pps = [u for u in units if u and u[0] & 0x1F == 8]
    if len(sps) != 1 or len(pps) != 1:
        raise _Unsupported("parameter sets")
    parsed = _parse_sps(_unescape(sps[0][1:]))
    _check_pps(_unescape(pps[0][1:]))
    return parsed


class _Renumber:
    """Rewrites frame_num in the slices of an x264 packet, and builds copy frames."""

    def __init__(self, sps: _Sps, copy_slices: list[bytes]):
        self.bits = sps.log2_max_frame_num
        self.max_frame_num = sps.max_frame_num
        self.copy = []  # (NAL header byte, RBSP, frame_num position) per slice
        for nal in copy_slices:
            rbsp = _unescape(nal[1:])
            self.copy.append((nal[:1], rbsp, _frame_num_pos(rbsp)))

    def renumber(self, packet_data: bytes, frame_num: int) -> bytes:
        out = []
        for nal in _nal_units(packet_data):
            if nal and nal[0] & 0x1F == NAL_SLICE:
                rbsp = _unescape(nal[1:])
                rbsp = _set_bits(rbsp, _frame_num_pos(rbsp), self.bits, frame_num % self.max_frame_num)
                nal = nal[:1] + _escape(rbsp)
            out.append(b"\x00\x00\x00\x01" + nal)
        return b"".join(out)

    def copy_frame(self, frame_num: int) -> bytes:
        out = []
        for header, rbsp, pos in self.copy:
            body = _escape(_set_bits(rbsp, pos, self.bits, frame_num % self.max_frame_num))
            out.append(b"\x00\x00\x00\x01" + header + body)
        return b"".join(out)


# --- encoding -----------------------------------------------------------------------------


def _x264_options(keyint: int) -> dict:
    params = {**X264_PARAMS, "keyint": str(keyint)}
    return {**X264_OPTIONS, "x264-params": ":".join(f"{k}={v}" for k, v in params.items())}


def _configure(ctx, width: int, height: int, fps: int):
    ctx.width, ctx.height = width, height
    ctx.pix_fmt = "yuv420p"
    ctx.time_base = Fraction(1, fps)
    ctx.framerate = Fraction(fps)
    ctx.thread_count = THREADS
    ctx.thread_type = "FRAME"
    ctx.colorspace = ctx.color_primaries = ctx.color_trc = BT709
    ctx.color_range = LIMITED_RANGE


def _copy_frame_template(width: int, height: int, fps: int, keyint: int, extradata: bytes) -> list[bytes]:
    """The slices of an all-skip P frame from a second encoder with the same settings: two
    identical flat grey frames, the first coded exactly (DC prediction of 128 is exact), so
    every macroblock of the second is a P_SKIP. Refused unless the SPS/PPS match."""
    ctx = av.CodecContext.create("libx264", "w")
    _configure(ctx, width, height, fps)
    ctx.flags |= av.codec.context.Flags.global_header
    ctx.options = _x264_options(keyint)
    grey = av.VideoFrame.from_ndarray(np.full((height * 3 // 2, width), 128, np.uint8), format="yuv420p")
    packets = []
    for pts in range(2):
        grey.pts = pts
        grey.pict_type = PictureType.I if pts == 0 else PictureType.NONE
        packets += ctx.encode(grey)
    packets += ctx.encode(None)
    if ctx.extradata != extradata or len(packets) != 2 or packets[1].is_keyframe:
        raise _Unsupported("calibration encoder differs")
    slices = [u for u in _nal_units(bytes(packets[1])) if u and u[0] & 0x1F == NAL_SLICE]
    if not slices:
        raise _Unsupported("no P slice")
    return slices


class _CopyCheckFailed(Exception):
    """A copy frame did not decode to its reference picture: encode again without them."""


def _check_copy_frame(extradata: bytes, idr: bytes, copy: bytes):
    """Decode [IDR, copy frame] and demand two identical pictures: done once per video with
    its first IDR, it catches a copy frame that does not fit this stream (a different
    libx264 coding flat frames otherwise, parameter sets that disagree, a wrong frame_num)."""
    ctx = av.CodecContext.create("h264", "r")
    ctx.extradata = extradata
    ctx.thread_count = 1
    pictures = []
    for data in (idr, copy):
        pictures += ctx.decode(av.Packet(data))
    pictures += ctx.decode(None)
    if len(pictures) != 2 or not np.array_equal(pictures[0].to_ndarray(), pictures[1].to_ndarray()):
        raise _CopyCheckFailed()


class _Writer:
    """Feeds x264 and muxes its packets and the copy frames in display order."""

    def __init__(self, path, width, height, fps, keyint, allow_copies=True):
        self.width, self.height, self.fps, self.keyint = width, height, fps, keyint
        self.container = av.open(path, "w", format="mp4", options=dict(MP4_OPTIONS))
        self.stream = self.container.add_stream("libx264", rate=fps, options=_x264_options(keyint))
        _configure(self.stream.codec_context, width, height, fps)
        self.time_base = Fraction(1, fps)
        # What each coming x264 packet is: ("x264", final index, frame_num, renumber?), with
        # ("copy", first index, count, first frame_num) entries between them.
        self.pending = deque()
        self.x264_frame_num = 0  # x264's own count since its last IDR
        self.renumber = None  # a _Renumber once copy frames are known to be possible
        self.copies_possible = None if allow_copies else False  # None: not decided yet
        self.first_idr = None  # the first IDR's bytes, to check the first copy frame against
        self.copy_checked = False
        self.frames_out = 0

    # feeding

    def encode(self, frame: av.VideoFrame, index: int, frame_num: int, keyframe: bool):
        frame.pts = index
        frame.pict_type = PictureType.I if keyframe else PictureType.NONE
        if keyframe:
            self.x264_frame_num = 0
        self.pending.append(("x264", index, frame_num, frame_num != self.x264_frame_num))
        self.x264_frame_num += 1
        self._take(self.stream.encode(frame))

    def copies(self, start: int, count: int, first_frame_num: int) -> bool:
        """Queue `count` copy frames from `start`; False when copy frames are not possible."""
        if self.copies_possible is None:
            self.copies_possible = self._prepare_copies()
        if self.copies_possible:
            self.pending.append(("copy", start, count, first_frame_num))
        return self.copies_possible

    def finish(self):
        self._take(self.stream.encode(None))
        self._drain_copies()
        if self.pending:
            raise RuntimeError(f"x264 returned fewer packets than frames: {list(self.pending)[:3]}")
        self.container.close()

    def abandon(self):
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - the file is thrown away anyway
            pass

    # output

    def _prepare_copies(self) -> bool:
        extradata = self.stream.codec_context.extradata  # known once the first frame is in
        try:
            sps = _parameter_sets(extradata)
            slices = _copy_frame_template(self.width, self.height, self.fps, self.keyint, extradata)
            self.renumber = _Renumber(sps, slices)
        except _Unsupported:
            return False
        return True

    def _take(self, packets):
        for packet in packets:
            self._drain_copies()
            _kind, index, frame_num, renumber = self.pending.popleft()
            if self.first_idr is None and packet.is_keyframe:
                self.first_idr = bytes(packet)
            if renumber:
                keyframe = packet.is_keyframe
                packet = av.Packet(self.renumber.renumber(bytes(packet), frame_num))
                packet.is_keyframe = keyframe
            self._mux(packet, index)

    def _drain_copies(self):
        while self.pending and self.pending[0][0] == "copy":
            _, start, count, frame_num = self.pending.popleft()
            for i in range(count):
                data = self.renumber.copy_frame(frame_num + i)
                if not self.copy_checked:
                    _check_copy_frame(self.stream.codec_context.extradata, self.first_idr, self.renumber.copy_frame(1))
                    self.copy_checked = True
                self._mux(av.Packet(data), start + i)

    def _mux(self, packet, index):
        if index != self.frames_out:
            raise RuntimeError(f"frame {index} muxed after {self.frames_out} frames")
        packet.stream = self.stream
        packet.time_base = self.time_base
        packet.pts = packet.dts = index
        packet.duration = 1
        self.container.mux(packet)
        self.frames_out += 1


def encode_playlist_video(slides, width, height, fps=DEFAULT_FPS, fade_seconds=0.5) -> bytes:
    """MP4 (H.264, yuv420p) bytes showing `slides`, a list of (frame, duration_seconds) where
    frame is a PIL RGB image or an HxWx3 uint8 RGB array of exactly width×height. See the
    module docstring for the timing, the fades, odd sizes and the copy frames."""
    _check_size(width, height)
    _check_fps(fps)
    _check_fade(fade_seconds)
    width, height, fps = int(width), int(height), int(fps)
    slides = list(slides)
    if not slides:
        raise ValueError("Danh sách trang chiếu trống: video cần ít nhất một trang chiếu.")
    for i, item in enumerate(slides, start=1):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValueError(f"Trang chiếu {i} phải là một cặp (ảnh, thời lượng tính bằng giây).")
        _check_frame(item[0], i, width, height)
    spans = timeline([duration for _, duration in slides], fps, fade_seconds)
    frames = [frame for frame, _ in slides]
    try:
        return _encode(frames, spans, width, height, fps, allow_copies=True)
    except _CopyCheckFailed:  # a libx264 that codes flat frames differently: no shortcuts
        return _encode(frames, spans, width, height, fps, allow_copies=False)


def _encode(frames, spans, width, height, fps, allow_copies) -> bytes:
    keyint = max(span.frames for span in spans)
    with tempfile.TemporaryDirectory(prefix="tincoso-video-") as tmp:
        # +faststart rewrites the file to move the moov atom first: it needs a real file.
        path = os.path.join(tmp, "playlist.mp4")
        writer = _Writer(path, width + width % 2, height + height % 2, fps, keyint, allow_copies)
        try:
            current = _to_yuv(frames[0], width, height)
            for i, span in enumerate(spans):
                upcoming = _to_yuv(frames[i + 1], width, height) if i + 1 < len(spans) else None
                still = av.VideoFrame.from_ndarray(current, format="yuv420p")
                # The still part: x264 codes the IDR and the first SETTLE_FRAMES frames…
                coded = min(span.still, SETTLE_FRAMES)
                for k in range(coded):
                    writer.encode(still, span.start + k, k, keyframe=k == 0)
                # … and copy frames repeat its last picture for the rest.
                if span.still > coded and not writer.copies(span.start + coded, span.still - coded, coded):
                    for k in range(coded, span.still):
                        writer.encode(still, span.start + k, k, keyframe=False)
                # The cross-fade into the next slide.
                for k in range(span.fade):
                    alpha = (k + 1) / (span.fade + 1)
                    blended = cv2.addWeighted(current, 1.0 - alpha, upcoming, alpha, 0.0)
                    writer.encode(
                        av.VideoFrame.from_ndarray(blended, format="yuv420p"),
                        span.start + span.still + k,
                        span.still + k,
                        keyframe=False,
                    )
                current = upcoming
            writer.finish()
        except BaseException:
            writer.abandon()
            raise
        with open(path, "rb") as fh:
            return fh.read()


# --- zoned layouts: the main zone's slides, static pictures, a scrolling ticker -------------


@dataclass(frozen=True)
class TickerVideo:
    """The scrolling line in a zoned video: where it goes, one period of its loop
    (`boards.ticker.strip`, exactly as tall as the rect) and its speed in px/s."""

    rect: tuple  # (x, y, width, height) on the canvas
    strip: Image.Image
    speed_px_s: float


MAX_TICKER_SPEED = 2000  # px/s: beyond this nothing is readable
MIN_LOOP_SECONDS = 10  # a video of the ticker alone lasts whole loops, at least this long…
MAX_LOOP_SECONDS = 600  # … and at most this long (a longer loop is cut: it jumps when the video restarts)


def encode_zoned_video(
    width,
    height,
    slides,
    main_rect,
    layers=(),
    ticker=None,
    fps=DEFAULT_FPS,
    fade_seconds=0.5,
    background=(0, 0, 0),
) -> bytes:
    """MP4 (H.264, yuv420p) of a zoned layout at exactly width×height: `slides`, a list of
    (frame, duration_seconds) with frames of exactly main_rect's size, shown one after another
    in `main_rect` = (x, y, w, h) with the fades of `encode_playlist_video`; `layers`, a list
    of (picture, x, y) shown for the whole video (the side panel, a clock zone with the date
    baked in; RGBA pictures over the background); `ticker`, a TickerVideo scrolling right to
    left through the whole video (offset = t × speed, unbroken by slide changes). The rest of
    the canvas is `background`. The duration is the sum of the slides' (with no slides: whole
    loops of the ticker's strip, at least MIN_LOOP_SECONDS, so that the video loops without a
    jump; but no more than MAX_LOOP_SECONDS).

    Without a ticker the slides are composed onto the canvas and encoded exactly as
    `encode_playlist_video` does (copy frames for the still parts). With one, every frame
    changes in the band: each slide is converted to YUV once, and each frame is that picture
    (or the fade's blend) with the band written in by slicing the strip's YUV, computed once
    (no text drawing, no colour conversion of the whole frame); x264 codes every frame."""
    _check_size(width, height)
    _check_fps(fps)
    _check_fade(fade_seconds)
    width, height, fps = int(width), int(height), int(fps)
    main_rect = _check_rect(main_rect, "nội dung chính", width, height)
    back = _background(background)
    slides = list(slides)
    for i, item in enumerate(slides, start=1):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValueError(f"Trang chiếu {i} phải là một cặp (ảnh, thời lượng tính bằng giây).")
        _check_frame(item[0], i, main_rect[2], main_rect[3], "vùng nội dung chính")
    layers = list(layers)
    for i, item in enumerate(layers, start=1):
        _check_layer(item, i, width, height)
    if ticker is not None:
        _check_ticker(ticker, width, height)
    if not slides and ticker is None:
        raise ValueError("Video không có gì để chiếu: cần ít nhất một trang chiếu hoặc một dòng chữ chạy.")

    if slides:
        spans = timeline([duration for _, duration in slides], fps, fade_seconds)
        canvases = [_compose(width, height, back, main_rect, frame, layers) for frame, _ in slides]
    else:
        period_s = ticker.strip.width / ticker.speed_px_s
        loops = max(1, math.ceil(MIN_LOOP_SECONDS / period_s))
        seconds = min(loops * period_s, MAX_LOOP_SECONDS)
        spans = [SlideSpan(0, max(1, round(seconds * fps)), 0)]
        canvases = [_compose(width, height, back, main_rect, None, layers)]
    if ticker is None:
        try:
            return _encode(canvases, spans, width, height, fps, allow_copies=True)
        except _CopyCheckFailed:
            return _encode(canvases, spans, width, height, fps, allow_copies=False)
    return _encode_scrolling(canvases, spans, width, height, fps, ticker)


def _check_rect(rect, name, width, height) -> tuple:
    ok = (
        isinstance(rect, (tuple, list))
        and len(rect) == 4
        and all(_is_int(v) for v in rect)
        and rect[0] >= 0
        and rect[1] >= 0
        and rect[2] >= 1
        and rect[3] >= 1
        and rect[0] + rect[2] <= width
        and rect[1] + rect[3] <= height
    )
    if not ok:
        raise ValueError(
            f"Vùng {name} {rect!r} phải là (x, y, rộng, cao) bằng số nguyên, nằm trọn trong khung hình {width}×{height}."
        )
    return tuple(int(v) for v in rect)


def _background(colour) -> tuple:
    if isinstance(colour, str):
        try:
            return ImageColor.getrgb(colour)[:3]
        except ValueError:
            pass
    elif isinstance(colour, (tuple, list)) and len(colour) == 3 and all(_is_int(v) and 0 <= v <= 255 for v in colour):
        return tuple(int(v) for v in colour)
    raise ValueError(f"Màu nền {colour!r} không hợp lệ (ví dụ #0A4F95 hoặc (10, 79, 149)).")


def _size_of(picture):
    if isinstance(picture, Image.Image):
        return picture.size
    if (
        isinstance(picture, np.ndarray)
        and picture.ndim == 3
        and picture.shape[2] in (3, 4)
        and picture.dtype == np.uint8
    ):
        return picture.shape[1], picture.shape[0]
    return None


def _check_layer(item, index, width, height):
    if not isinstance(item, (tuple, list)) or len(item) != 3:
        raise ValueError(f"Lớp ảnh {index} phải là bộ ba (ảnh, x, y).")
    picture, x, y = item
    size = _size_of(picture)
    if size is None:
        raise ValueError(
            f"Lớp ảnh {index} phải là ảnh PIL hoặc mảng numpy RGB/RGBA 8 bit, không phải {type(picture).__name__}."
        )
    _check_rect((x, y, *size), f"của lớp ảnh {index}", width, height)


def _check_ticker(ticker, width, height):
    if not isinstance(ticker, TickerVideo):
        raise ValueError(f"Dòng chữ chạy phải là TickerVideo, không phải {type(ticker).__name__}.")
    h = _check_rect(ticker.rect, "chữ chạy", width, height)[3]
    if not isinstance(ticker.strip, Image.Image) or ticker.strip.height != h:
        got = (
            f"{ticker.strip.width}×{ticker.strip.height}" if isinstance(ticker.strip, Image.Image) else "không phải ảnh"
        )
        raise ValueError(f"Dải chữ chạy phải là ảnh cao đúng {h} điểm ảnh như vùng chữ chạy (nhận {got}).")
    speed = ticker.speed_px_s
    if not _is_real(speed) or not math.isfinite(speed) or not 0 < speed <= MAX_TICKER_SPEED:
        raise ValueError(
            f"Tốc độ chữ chạy phải lớn hơn 0 và không quá {MAX_TICKER_SPEED} điểm ảnh/giây (nhận {speed!r})."
        )


def _compose(width, height, background, main_rect, frame, layers) -> np.ndarray:
    """The canvas as an H×W×3 RGB array: background, the slide in the main zone, the layers."""
    canvas = Image.new("RGB", (width, height), background)
    if frame is not None:
        image = frame if isinstance(frame, Image.Image) else Image.fromarray(frame, "RGB")
        canvas.paste(image.convert("RGB"), main_rect[:2])
    for picture, x, y in layers:
        image = picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
        if image.mode in ("RGBA", "LA") or "transparency" in image.info:
            canvas.paste(image.convert("RGBA"), (x, y), image.convert("RGBA"))
        else:
            canvas.paste(image.convert("RGB"), (x, y))
    return np.asarray(canvas)


def _encode_scrolling(canvases, spans, width, height, fps, ticker) -> bytes:
    """Every frame through x264: the slide's YUV picture (or the fade's blend) with the ticker
    band written in at offset floor(frame index × speed / fps) mod the strip's width."""
    pw, ph = width + width % 2, height + height % 2
    band = _Band(ticker, width, height, canvases)
    step = ticker.speed_px_s / fps
    yuvs = [_to_yuv(rgb, width, height) for rgb in canvases]
    keyint = max(span.frames for span in spans)
    with tempfile.TemporaryDirectory(prefix="tincoso-video-") as tmp:
        path = os.path.join(tmp, "playlist.mp4")
        writer = _Writer(path, pw, ph, fps, keyint, allow_copies=False)
        try:
            work = yuvs[0].copy()
            planes = _yuv_planes(work, pw, ph)
            for i, span in enumerate(spans):
                upcoming = min(i + 1, len(spans) - 1)
                np.copyto(work, yuvs[i])
                for k in range(span.frames):
                    alpha = 0.0
                    if k >= span.still:  # the cross-fade into the next slide, as _encode's
                        alpha = (k - span.still + 1) / (span.fade + 1)
                        cv2.addWeighted(yuvs[i], 1.0 - alpha, yuvs[upcoming], alpha, 0.0, dst=work)
                    band.write(planes, math.floor((span.start + k) * step), i, upcoming, alpha)
                    frame = av.VideoFrame.from_ndarray(work, format="yuv420p")
                    writer.encode(frame, span.start + k, k, keyframe=k == 0)
            writer.finish()
        except BaseException:
            writer.abandon()
            raise
        with open(path, "rb") as fh:
            return fh.read()


def _yuv_planes(yuv: np.ndarray, width: int, height: int):
    """Views of the Y, U and V planes of a PyAV yuv420p array (even width×height)."""
    flat = yuv.reshape(-1)  # U and V are packed one after the other, not in whole rows
    luma, chroma = width * height, (width // 2) * (height // 2)
    y = flat[:luma].reshape(height, width)
    u = flat[luma : luma + chroma].reshape(height // 2, width // 2)
    v = flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2)
    return y, u, v


class _Band:
    """Writes the ticker band, at a scroll offset, into a yuv420p picture.

    4:2:0 chroma covers 2×2 pixels. When the band's edges are all even (the usual zones), its
    YUV is computed once: the strip repeated to (period + band width + 1) columns, converted
    as is (phase 0) and one column on (phase 1), so that the band at any offset o is three
    slices, Y from column o and U, V from column o // 2 of the phase o mod 2. Otherwise each
    frame converts the band within the smallest region of even bounds around it, the rest of
    that region (a row or column of the neighbouring zone) taken from the slide, blended in
    fades, and the padding of an odd-sized video replicating the band's edge."""

    def __init__(self, ticker, width, height, canvases):
        x, y, w, h = ticker.rect
        self.rect = ticker.rect
        self.period = ticker.strip.width
        strip = np.asarray(ticker.strip.convert("RGB"))
        columns = self.period + w + 1
        self.tiles = np.tile(strip, (1, -(-columns // self.period), 1))[:, :columns]
        self.aligned = x % 2 == 0 and y % 2 == 0 and w % 2 == 0 and h % 2 == 0
        if self.aligned:
            self.chroma = []  # (U, V) of each phase; the luma is phase 0's
            for phase in (0, 1):
                part = self.tiles[:, phase : phase + self.period + w]
                part = part[:, : part.shape[1] - part.shape[1] % 2]
                luma, u, v = _yuv_planes(_to_yuv(part, part.shape[1], h), part.shape[1], h)
                if phase == 0:
                    self.luma = luma
                self.chroma.append((u, v))
            return
        self.region = (x - x % 2, y - y % 2, x + w + (x + w) % 2, y + h + (y + h) % 2)
        self.pad_col = width % 2 == 1 and x + w == width  # the band reaches the padding
        self.pad_row = height % 2 == 1 and y + h == height
        rx0, ry0, rx1, ry1 = self.region
        self.around = [_pad_even(rgb)[ry0:ry1, rx0:rx1] for rgb in canvases]
        self.reformatter = VideoReformatter()

    def write(self, planes, offset: int, slide: int, upcoming: int, alpha: float):
        x, y, w, h = self.rect
        o = offset % self.period
        py, pu, pv = planes
        if self.aligned:
            tu, tv = self.chroma[o % 2]
            c = o // 2
            py[y : y + h, x : x + w] = self.luma[:, o : o + w]
            pu[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2] = tu[:, c : c + w // 2]
            pv[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2] = tv[:, c : c + w // 2]
            return
        rx0, ry0, rx1, ry1 = self.region
        if alpha:
            region = cv2.addWeighted(self.around[slide], 1.0 - alpha, self.around[upcoming], alpha, 0.0)
        else:
            region = self.around[slide].copy()
        region[y - ry0 : y - ry0 + h, x - rx0 : x - rx0 + w] = self.tiles[:, o : o + w]
        if self.pad_col:
            region[:, -1] = region[:, -2]
        if self.pad_row:
            region[-1] = region[-2]
        yuv = self.reformatter.reformat(
            av.VideoFrame.from_ndarray(region, format="rgb24"),
            format="yuv420p",
            dst_colorspace="itu709",
            dst_color_range="MPEG",
        )
        ry, ru, rv = _yuv_planes(yuv.to_ndarray(), rx1 - rx0, ry1 - ry0)
        py[ry0:ry1, rx0:rx1] = ry
        pu[ry0 // 2 : ry1 // 2, rx0 // 2 : rx1 // 2] = ru
        pv[ry0 // 2 : ry1 // 2, rx0 // 2 : rx1 // 2] = rv


def _pad_even(rgb: np.ndarray) -> np.ndarray:
    """An odd width or height padded by one pixel of the edge colour, as _to_yuv pads."""
    height, width = rgb.shape[:2]
    if width % 2 or height % 2:
        return cv2.copyMakeBorder(np.ascontiguousarray(rgb), 0, height % 2, 0, width % 2, cv2.BORDER_REPLICATE)
    return rgb


# --- probing --------------------------------------------------------------------------------


def probe(mp4_bytes: bytes, decode: bool = False) -> dict:
    """What a video file holds: codec, pixel format, size, frame rate, frame count, duration
    and the indices of its keyframes (from the packets' keyframe flags). With decode=True the
    frames are also decoded and counted (`decoded_frames`), which takes longer."""
    with av.open(io.BytesIO(mp4_bytes), "r") as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate
        info = {
            "codec": ctx.name,
            "profile": ctx.profile,
            "pix_fmt": ctx.pix_fmt,
            "width": ctx.width,
            "height": ctx.height,
            "fps": float(rate) if rate else None,
            "stream_frames": stream.frames,
        }
        pts, keyframes = [], []
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None:
                continue  # the demuxer's flush packet
            pts.append(packet.pts)
            if packet.is_keyframe:
                keyframes.append(packet.pts)
        order = {p: i for i, p in enumerate(sorted(pts))}
        info["frames"] = len(pts)
        info["keyframes"] = [order[p] for p in sorted(keyframes)]
        if stream.duration is not None:
            info["duration"] = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            info["duration"] = container.duration / av.time_base
        else:
            info["duration"] = None
        info["metadata"] = dict(container.metadata)
        if decode:
            container.seek(0)
            info["decoded_frames"] = sum(1 for _ in container.decode(stream))
    return info


CLIP_CODECS = ("h264",)  # what cheap LED controllers and every player here decode
CLIP_MAX_SECONDS = 3600


@dataclass(frozen=True)
class ClipInfo:
    codec: str
    width: int
    height: int
    seconds: float


def probe_clip(path) -> ClipInfo:
    """What an uploaded clip holds, read by its content (not its name): ValueError with a
    Vietnamese message when it is not an H.264 video this project can play."""
    try:
        with av.open(str(path)) as container:
            streams = container.streams.video
            if not streams:
                raise ValueError("Tệp không có hình video.")
            stream = streams[0]
            codec = stream.codec_context.name
            seconds = float(container.duration / av.time_base) if container.duration else 0.0
            if not seconds and stream.duration and stream.time_base:
                seconds = float(stream.duration * stream.time_base)
            info = ClipInfo(codec, stream.codec_context.width, stream.codec_context.height, seconds)
            next(container.decode(stream))  # the first frame really decodes
    except (av.error.FFmpegError, StopIteration, OSError) as exc:  # (some FFmpegErrors are ValueErrors too)
        raise ValueError(f"Không đọc được video: {getattr(exc, 'strerror', None) or exc}") from None
    if info.codec not in CLIP_CODECS:
        raise ValueError(f"Video phải mã hoá H.264 (tệp này: {info.codec}). Hãy chuyển sang MP4 H.264.")
    if not 0 < info.seconds <= CLIP_MAX_SECONDS:
        raise ValueError("Video phải dài từ vài giây đến 1 giờ.")
    if not (16 <= info.width <= 7680 and 16 <= info.height <= 7680):
        raise ValueError(f"Kích thước video {info.width}×{info.height} không hợp lệ.")
    return info
