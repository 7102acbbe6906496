#!/usr/bin/env python3
"""Writes the small NPY and WAV fixtures of Tests/DescentDataTests/Fixtures/ with numpy and Python's `wave`
module, plus `data_fixtures.json` holding the values each file must read back as.

Run from the repository root: python3 Tests/Fixtures/generate_data.py
Needs numpy (any version with np.lib.format.write_array version=(3, 0), i.e. numpy >= 1.17).
"""
import json
import os
import struct
import wave

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "DescentDataTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)
expected = {"npy": {}, "wav": {}}


def save_npy(name, array, version=None):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        if version is None:
            np.save(f, array)
        else:
            np.lib.format.write_array(f, array, version=version)
    expected["npy"][name] = {
        "shape": list(array.shape),
        "values": [float(v) for v in np.asarray(array, dtype=np.float64).ravel(order="C")],
    }


save_npy("f32_2x3.npy", np.array([[1.5, -2.25, 3.0], [0.1, 1e-8, -7.5]], dtype=np.float32))
save_npy("f64_4.npy", np.array([0.1, -1e300, 2.5, 3.0], dtype=np.float64))
save_npy("u8_2x2x2.npy", np.arange(8, dtype=np.uint8) * 31)
save_npy("i64_5.npy", np.array([-3, 0, 7, 2**40, -(2**33)], dtype=np.int64))
save_npy("i32_3.npy", np.array([-2147483648, 5, 2147483647], dtype=np.int32))
save_npy("f32_big_endian.npy", np.array([1.0, -2.0, 0.5], dtype=">f4"))
save_npy("f32_scalar.npy", np.array(4.25, dtype=np.float32))
save_npy("f32_empty_0x3.npy", np.zeros((0, 3), dtype=np.float32))
save_npy("f32_v2.npy", np.arange(6, dtype=np.float32).reshape(2, 3) / 4, version=(2, 0))
save_npy("f32_v3.npy", np.arange(4, dtype=np.float32) - 1.5, version=(3, 0))
# Fortran order: the reader must refuse it.
np.save(os.path.join(OUT, "f32_fortran.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
# An unsupported dtype.
np.save(os.path.join(OUT, "complex.npy"), np.array([1 + 2j], dtype=np.complex64))


def save_wav(name, channels, sample_width, rate, frames):
    """frames: int array [frames, channels] of stored sample values (unsigned for 8-bit)."""
    path = os.path.join(OUT, name)
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(sample_width)
        w.setframerate(rate)
        data = bytearray()
        for row in frames:
            for v in row:
                v = int(v)
                if sample_width == 1:
                    data += struct.pack("<B", v)
                elif sample_width == 2:
                    data += struct.pack("<h", v)
                elif sample_width == 3:
                    data += struct.pack("<i", v)[:3]
                else:
                    data += struct.pack("<i", v)
        w.writeframes(bytes(data))
    bits = 8 * sample_width
    values = np.asarray(frames, dtype=np.float64)
    values = (values - 128) / 128 if bits == 8 else values / 2 ** (bits - 1)
    expected["wav"][name] = {"channels": channels, "rate": rate, "samples": values.T.tolist()}


save_wav("pcm16_mono_8k.wav", 1, 2, 8000, [[v] for v in [0, 1000, -1000, 32767, -32768, 12345, -4321]])
save_wav("pcm16_stereo_44k.wav", 2, 2, 44100, [[100, -100], [200, -200], [-32768, 32767], [0, 1]])
save_wav("pcm8_mono.wav", 1, 1, 11025, [[v] for v in [0, 64, 128, 192, 255]])
save_wav("pcm24_mono.wav", 1, 3, 16000, [[v] for v in [0, 8388607, -8388608, 4194304, -1]])
save_wav("pcm32_stereo.wav", 2, 4, 48000, [[2147483647, -2147483648], [1 << 30, -(1 << 30)], [0, 7]])


def riff(chunks):
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def chunk(cid, payload):
    return cid + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


# IEEE float 32, stereo, with a LIST chunk before "fmt " and an odd-sized unknown chunk before "data".
floats = np.array([[0.5, -0.5], [0.25, 1.0], [-1.0, 0.125]], dtype="<f4")
fmt = struct.pack("<HHIIHH", 3, 2, 22050, 22050 * 8, 8, 32)
data = riff([
    chunk(b"LIST", b"INFOISFT\x06\x00\x00\x00numpy\x00"),
    chunk(b"fmt ", fmt),
    chunk(b"junk", b"abc"),
    chunk(b"data", floats.tobytes()),
])
with open(os.path.join(OUT, "float32_stereo_chunks.wav"), "wb") as f:
    f.write(data)
expected["wav"]["float32_stereo_chunks.wav"] = {"channels": 2, "rate": 22050, "samples": floats.astype(np.float64).T.tolist()}

# WAVE_FORMAT_EXTENSIBLE, 16-bit PCM mono.
pcm = np.array([1, -2, 3], dtype="<i2")
ext = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 8000, 16000, 2, 16, 22, 16, 4) + struct.pack("<H", 1) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
with open(os.path.join(OUT, "extensible_pcm16.wav"), "wb") as f:
    f.write(riff([chunk(b"fmt ", ext), chunk(b"data", pcm.tobytes())]))
expected["wav"]["extensible_pcm16.wav"] = {"channels": 1, "rate": 8000, "samples": [(pcm / 32768.0).tolist()]}

with open(os.path.join(OUT, "data_fixtures.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", len(expected["npy"]) + len(expected["wav"]) + 3, "files to", os.path.normpath(OUT))
