"""Sounds for the live broadcast tests and bench/bench_live.py, made at run time with PyAV: a
"voice" of silence with short tone beeps at known moments, each beep at its own pitch so that a
beep heard at a loudspeaker is known by its pitch whatever the delay; and the other end, finding
those beeps in what a cluster received and when (player/live.py's DIR/live/<session>.mp3 and
.jsonl) to measure the mouth-to-speaker delay.

    beeps(seconds, at, rate) -> float32 samples          beep j at at[j] s, pitch pitch(j)
    write_wav(path, samples, rate)                        for Chromium's fake microphone
    webm_chunks(samples, rate, slice_s) -> [bytes]       what MediaRecorder sends every slice
    heard(data, index) -> [(pitch index, unix time)]     beeps as a loudspeaker plays them
"""

import bisect
import io

import av
import numpy as np

RATE = 48_000
BEEP_S = 0.2
BASE_HZ, STEP_HZ, PITCHES = 500.0, 250.0, 12
LEVEL = 0.5


def pitch(index):
    return BASE_HZ + STEP_HZ * (index % PITCHES)


def beeps(seconds, at, rate=RATE, level=LEVEL):
    """Silence of `seconds` with beep j (BEEP_S long, pitch(j), soft edges) starting at at[j]."""
    t = np.arange(int(seconds * rate)) / rate
    out = np.zeros_like(t)
    ramp = int(0.005 * rate)
    for j, start in enumerate(at):
        first, last = int(start * rate), min(len(t), int((start + BEEP_S) * rate))
        if first >= len(t):
            continue
        tone = np.sin(2 * np.pi * pitch(j) * t[first:last])
        envelope = np.ones(last - first)
        envelope[:ramp] = np.linspace(0, 1, ramp)[: last - first]
        envelope[-ramp:] = np.linspace(1, 0, ramp)[-(last - first) :]
        out[first:last] = level * tone * envelope
    return out.astype(np.float32)


def write_wav(path, samples, rate=RATE):
    """16-bit mono WAV (what --use-file-for-fake-audio-capture reads)."""
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=rate, layout="mono")
        for start in range(0, len(samples), 4800):
            block = (np.clip(samples[start : start + 4800], -1, 1) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(block[None, :], format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


class _Cuts(io.RawIOBase):
    def __init__(self):
        self.chunks, self.current = [], bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.current += bytes(data)
        return len(data)

    def cut(self):
        if self.current:
            self.chunks.append(bytes(self.current))
            self.current = bytearray()


def webm_chunks(samples, rate=RATE, slice_s=0.1):
    """WebM/Opus as a browser's MediaRecorder sends it with a timeslice: chunk k holds the audio
    up to (k + 1) × slice_s (the first also carries the header)."""
    out = _Cuts()
    container = av.open(out, "w", format="webm", options={"live": "1", "cluster_time_limit": str(int(slice_s * 1000))})
    stream = container.add_stream("libopus", rate=rate, layout="mono")
    stream.bit_rate = 48_000
    per_slice = int(rate * slice_s)
    frame_size, pts = 960, 0
    for start in range(0, len(samples), frame_size):
        block = samples[start : start + frame_size]
        if len(block) < frame_size:
            block = np.pad(block, (0, frame_size - len(block)))
        frame = av.AudioFrame.from_ndarray(block[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = pts
        pts += frame_size
        for packet in stream.encode(frame):
            container.mux(packet)
        if pts % per_slice == 0:
            out.cut()
    for packet in stream.encode(None):
        container.mux(packet)
    container.close()
    out.cut()
    return out.chunks


def _arrivals(index):
    offsets = [offset for offset, _ in index]
    times = [at for _, at in index]

    def arrival(byte):
        return times[max(0, bisect.bisect_right(offsets, byte) - 1)]

    return arrival


def heard(data, index, threshold=0.08, quiet_s=0.3):
    """Beeps in what a cluster received: [(pitch index, unix time the loudspeaker starts it)].
    Each MP3 frame plays when its last byte has arrived, and not before the frame ahead of it
    has played (a player that buffers nothing more than that, playing in real time)."""
    arrival = _arrivals(index)
    container = av.open(io.BytesIO(data), format="mp3")
    played_until = None
    found, quiet, window = [], 0.0, None
    for packet in container.demux(audio=0):
        if packet.pos is None or packet.size == 0:
            continue
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            continue
        end_byte = packet.pos + packet.size - 1
        for frame in frames:
            samples = frame.to_ndarray().astype(np.float32).reshape(-1)
            rate = frame.sample_rate
            start = arrival(end_byte) if played_until is None else max(arrival(end_byte), played_until)
            played_until = start + len(samples) / rate
            step = int(0.005 * rate)
            for first in range(0, len(samples) - step + 1, step):
                block = samples[first : first + step]
                loud = float(np.sqrt(np.mean(block**2))) > threshold
                if window is not None:
                    window.append(block)
                    if sum(len(b) for b in window) >= int(0.06 * rate):
                        found[-1] = (_pitch_index(np.concatenate(window), rate), found[-1][1])
                        window = None
                if loud and quiet >= quiet_s:
                    found.append((None, start + first / rate))
                    window = [block]
                quiet = 0.0 if loud else quiet + step / rate
    return [(j, at) for j, at in found if j is not None]


def _pitch_index(block, rate):
    spectrum = np.abs(np.fft.rfft(block * np.hanning(len(block))))
    peak = float(np.fft.rfftfreq(len(block), 1 / rate)[int(np.argmax(spectrum))])
    return round((peak - BASE_HZ) / STEP_HZ) % PITCHES


def delays(heard_beeps, spoken):
    """Seconds from each beep spoken (spoken[j]: the unix time beep j left the mouth) to the
    loudspeaker, for the beeps heard; matched by pitch (j mod PITCHES), the latest spoken one
    before it was heard."""
    out = []
    for index, at in heard_beeps:
        candidates = [t for j, t in enumerate(spoken) if j % PITCHES == index and t <= at + 0.05]
        if candidates:
            out.append(at - max(candidates))
    return out
