"""Recorded programmes (audio/): inspect + normalise of a 30-minute programme, × real time.

    .venv/bin/python bench/bench_normalise.py                      # 30 min, stereo MP3 in, −16 LUFS
    .venv/bin/python bench/bench_normalise.py --minutes 180        # the longest programme allowed
    .venv/bin/python bench/bench_normalise.py --format wav --repeat 3
    .venv/bin/python bench/bench_normalise.py --input recording.m4a   # a real recording instead

The programme is synthesised first (not timed): speech-like sound built from a bank of
syllables (a voiced part, harmonics of a gliding pitch shaped by three formants, some with a
fricative of high-band noise), in words and sentences separated by pauses, each sentence
±3 dB, with a little room noise; stereo 44.1 kHz, the right channel a slightly different
copy; recorded quietly (about −27 LUFS) and encoded as a 128 kbit/s MP3 (or 16-bit WAV).

Each step then runs in a fresh child process, so its peak RSS is its own: `inspect(path)`
(decode, checks, loudness of the mono downmix), then `normalise(path, out,
input_lufs=<inspect's>)` (decode, gain, 4× limiter, mono MP3 at 96 kbit/s). The pipeline
is the two together, as the application runs them on an upload. Reported per step: wall and
CPU seconds (user + system, all threads: normalise encodes in a second thread), × real time
(programme seconds / wall seconds; the target is ≥ 50× for the pipeline on 2 cores), and peak
RSS with, in brackets, the child's RSS before the step (Python, NumPy and PyAV loaded).
Afterwards, not timed, the MP3 is measured again with `measure()` (the verify pass the
application skips) and its sample peak read: loudness against the target, and the peak.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

TARGET_X = 50  # × real time, inspect + normalise of a 30-minute programme, 2 cores
RATE = 44_100


def syllable_bank(rng, n=64):
    """Short voiced (and sometimes fricative) sounds, each peak-normalised."""
    import numpy as np

    bank = []
    for _ in range(n):
        dur = rng.uniform(0.12, 0.32)
        t = np.arange(int(dur * RATE)) / RATE
        f0 = rng.uniform(90, 220) * (1 + rng.uniform(-0.25, 0.25) * t / dur)
        phase = np.cumsum(2 * np.pi * f0 / RATE)
        formants = rng.uniform([300, 900, 2200], [900, 2300, 3200])
        x = np.zeros(len(t))
        for k in range(1, 40):
            fk = k * f0.mean()
            if fk > 5000:
                break
            amp = sum(np.exp(-0.5 * ((fk - f) / 120) ** 2) for f in formants) + 0.05
            x += amp / k**0.5 * np.sin(k * phase)
        if rng.random() < 0.4:
            spectrum = np.fft.rfft(rng.standard_normal(len(t)))
            freqs = np.fft.rfftfreq(len(t), 1 / RATE)
            x += np.fft.irfft(spectrum * ((freqs > 2500) & (freqs < 8000)), len(t)) * rng.uniform(0.3, 1.0)
        x *= np.sin(np.pi * t / dur) ** 0.6
        bank.append(x / np.abs(x).max())
    return bank


def programme_chunks(seconds, seed, level=0.2, chunk_s=10):
    """The programme as stereo float32 arrays of about chunk_s seconds (memory stays small)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    bank = syllable_bank(rng)
    total, pending, pending_n = int(seconds * RATE), [], 0
    made = 0
    while made < total:
        gain = level * 10 ** (rng.uniform(-3, 3) / 20)
        for _ in range(rng.integers(3, 12)):  # a sentence
            pending += [bank[rng.integers(len(bank))] * gain, np.zeros(int(rng.uniform(0.02, 0.12) * RATE))]
            pending_n += len(pending[-2]) + len(pending[-1])
        pending.append(np.zeros(int(rng.uniform(0.25, 0.7) * RATE)))
        pending_n += len(pending[-1])
        if pending_n >= chunk_s * RATE or made + pending_n >= total:
            mono = np.concatenate(pending)[: total - made]
            pending, pending_n = [], 0
            left = mono + rng.standard_normal(len(mono)) * level * 0.004
            right = 0.93 * np.roll(mono, 11) + rng.standard_normal(len(mono)) * level * 0.004
            made += len(mono)
            yield np.stack([left, right]).astype(np.float32)


def synthesise(path, seconds, fmt, seed):
    import av

    out = av.open(str(path), "w", format=fmt)
    if fmt == "mp3":
        stream = out.add_stream("libmp3lame", rate=RATE, layout="stereo")
        stream.bit_rate = 128_000
        stream.codec_context.options = {"compression_level": "7"}  # setup only: fast
    else:
        stream = out.add_stream("pcm_s16le", rate=RATE, layout="stereo")
    pts = 0
    for chunk in programme_chunks(seconds, seed):
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = RATE, pts
        pts += frame.samples
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
    out.close()


def _peak_rss_mib():
    """This process's own peak (VmHWM). Not ru_maxrss: Linux carries the parent's high-water
    mark across fork and exec into it, and the parent has just synthesised the programme."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return c.peak_rss_mib()


def _current_rss_mib():
    import os

    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**2


def child_run(a):
    c.setup_paths()
    import av
    import numpy as np
    from machine import machine_info

    import audio

    audio.loudness.lame_scale_db(96_000, 44_100)  # the once-per-process calibration, not timed
    rss_before = _current_rss_mib()
    best = None
    for _ in range(a.repeat):
        cpu0, t0 = c.cpu_seconds(), time.perf_counter()
        if a.step == "inspect":
            value = audio.inspect(a.path)
        else:
            value = audio.normalise(a.path, a.out, target_lufs=a.target, input_lufs=a.input_lufs)
        wall, cpu = time.perf_counter() - t0, c.cpu_seconds() - cpu0
        if best is None or wall < best[0]:
            best = (wall, cpu)
    result = {
        "wall_s": best[0],
        "cpu_s": best[1],
        "peak_rss_mib": _peak_rss_mib(),
        "rss_before_mib": rss_before,
        "machine": machine_info(connection=False),
        "av": av.__version__,
        "ffmpeg": av.ffmpeg_version_info,
    }
    if a.step == "inspect":
        result |= {"duration_s": value.duration_s, "lufs": value.loudness_lufs, "info": repr(value)}
    else:
        result |= {"duration_s": value.duration_s, "result": repr(value), "bytes": value.bytes}
        t0 = time.perf_counter()
        result["measured_lufs"] = audio.measure(a.out)
        result["verify_s"] = time.perf_counter() - t0
        peak = 0.0
        with av.open(a.out) as container:
            for frame in container.decode(audio=0):
                peak = max(peak, float(np.abs(frame.to_ndarray()).max()))
            result["layout"] = container.streams.audio[0].layout.name
            result["bit_rate"] = container.streams.audio[0].bit_rate
        result["peak_dbfs"] = 20 * np.log10(peak) if peak else float("-inf")
    c.emit(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--format", choices=("mp3", "wav"), default="mp3", help="of the synthesised programme")
    parser.add_argument("--input", help="time this recording instead of a synthesised one")
    parser.add_argument("--target", type=float, default=-16.0, help="LUFS (default −16)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per step; the fastest counts")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--input-lufs", type=float, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        return child_run(a)

    from machine import machine_line

    with tempfile.TemporaryDirectory(prefix="tincoso-bench-audio-") as tmp:
        if a.input:
            path = Path(a.input).resolve()
            what = path.name
        else:
            path = Path(tmp) / f"programme.{a.format}"
            print(f"Synthesising {a.minutes:g} min of speech-like stereo ({a.format}) …", flush=True)
            t0 = time.perf_counter()
            synthesise(path, a.minutes * 60, a.format, a.seed)
            what = f"{a.minutes:g} min synthesised speech, stereo 44.1 kHz {a.format.upper()}"
            print(f"  {path.stat().st_size / 1024**2:.1f} MiB in {time.perf_counter() - t0:.0f} s", flush=True)
        out = Path(tmp) / "broadcast.mp3"
        common = ["--child", "--path", str(path), "--out", str(out), "--repeat", str(a.repeat)]
        common += ["--target", str(a.target)]
        print("inspect …", flush=True)
        ins, _ = c.run_child(__file__, [*common, "--step", "inspect"])
        print(f"  {ins['info']}", flush=True)
        print("normalise …", flush=True)
        nor, _ = c.run_child(__file__, [*common, "--step", "normalise", "--input-lufs", str(ins["lufs"])])
        print(f"  {nor['result']}", flush=True)

    seconds = ins["duration_s"]
    machine = nor["machine"]
    print()
    print(machine_line(machine))
    print(f"PyAV {nor['av']}, FFmpeg {nor['ffmpeg']}; input: {what}, {seconds / 60:.1f} min")
    rows = []
    for name, r in (("inspect", ins), ("normalise", nor)):
        rows.append(
            (
                name,
                f"{r['wall_s']:.2f}",
                f"{r['cpu_s']:.2f}",
                f"{seconds / r['wall_s']:.0f}×",
                f"{r['peak_rss_mib']:.0f} ({r['rss_before_mib']:.0f})",
                f"{r['machine'].get('load_1min') or 0:.1f}",
            )
        )
    wall = ins["wall_s"] + nor["wall_s"]
    speed = seconds / wall
    rows.append(
        (
            "**inspect + normalise**",
            f"{wall:.2f}",
            f"{ins['cpu_s'] + nor['cpu_s']:.2f}",
            f"**{speed:.0f}×**",
            f"{max(ins['peak_rss_mib'], nor['peak_rss_mib']):.0f}",
            "",
        )
    )
    print(c.table(["step", "wall s", "CPU s", "× real time", "peak RSS (before) MiB", "load"], rows))
    print(f"Target ≥ {TARGET_X}× real time for inspect + normalise: " + ("met" if speed >= TARGET_X else "NOT met"))
    print(
        f"Output: {nor['layout']} MP3, {nor['bit_rate'] // 1000} kbit/s, {nor['bytes'] / 1024**2:.1f} MiB; "
        f"input {ins['lufs']:.2f} LUFS → measured again {nor['measured_lufs']:.2f} LUFS "
        f"(target {a.target:g}, off by {nor['measured_lufs'] - a.target:+.2f} LU); sample peak "
        f"{nor['peak_dbfs']:.2f} dBFS; the verify pass (measure) took {nor['verify_s']:.2f} s, not counted."
    )


if __name__ == "__main__":
    main()
