"""Programmes made at test time with PyAV (no binary fixtures): a voice-like signal, a tone
pattern that rises and falls, at a chosen level, in a chosen container."""

import math

import av
import numpy as np


def programme(path, seconds=6.0, level_db=-30.0, rate=44_100, codec="libmp3lame", fmt=None, channels=2):
    """Write an audio file of `seconds` whose peaks sit near `level_db` dBFS; returns `path`."""
    layout = "stereo" if channels == 2 else "mono"
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if codec == "libmp3lame":
            stream.bit_rate = 128_000
        amplitude = 10 ** (level_db / 20)
        total = int(seconds * rate)
        block = 1152
        t0 = 0
        encoder_format = stream.codec_context.format.name if stream.codec_context.format else "fltp"
        while t0 < total:
            n = min(block, total - t0)
            t = (np.arange(t0, t0 + n) / rate).astype(np.float64)
            # syllables of 4 Hz over a 180–400 Hz "voice", with a little noise
            envelope = 0.5 + 0.5 * np.sin(2 * math.pi * 4 * t) ** 2
            pitch = 180 + 220 * (0.5 + 0.5 * np.sin(2 * math.pi * 0.3 * t))
            wave = envelope * np.sin(2 * math.pi * np.cumsum(pitch) / rate + 0.0)
            wave = (amplitude * wave).astype(np.float32)
            planes = np.tile(wave, (channels, 1))
            if encoder_format in ("s16", "s16p"):
                data = (planes * 32767).astype(np.int16)
                frame = av.AudioFrame.from_ndarray(
                    data if encoder_format == "s16p" else data.T.reshape(1, -1), format=encoder_format, layout=layout
                )
            elif encoder_format == "flt":
                frame = av.AudioFrame.from_ndarray(planes.T.reshape(1, -1), format="flt", layout=layout)
            else:
                frame = av.AudioFrame.from_ndarray(planes, format="fltp", layout=layout)
            frame.sample_rate = rate
            frame.pts = t0
            for packet in stream.encode(frame):
                container.mux(packet)
            t0 += n
        for packet in stream.encode(None):
            container.mux(packet)
    return path
