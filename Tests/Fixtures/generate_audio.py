"""Writes Tests/DescentDataTests/Fixtures/audio.json: torchaudio references for the audio features.

Run from the repository root: `python3 Tests/Fixtures/generate_audio.py` (needs torch and torchaudio).
Every input tensor is rounded to the decimal text written to the file *before* torchaudio sees it, so the
Swift tests read back exactly the float32 values the references were computed from.
"""
import json
import math
import os

import torch
import torchaudio
import torchaudio.functional as AF
import torchaudio.transforms as AT

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "DescentDataTests", "Fixtures", "audio.json")


def fmt(x):
    return float("%.6g" % x)


def pack(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [fmt(v) for v in t.reshape(-1).tolist()]}


def rounded(t):
    """The tensor as it reads back from the fixture text."""
    return torch.tensor([fmt(v) for v in t.reshape(-1).tolist()], dtype=torch.float32).reshape(t.shape)


sr = 8000
# 0.25 s linear chirp 200 Hz -> 2000 Hz plus a little noise.
t = torch.arange(2000, dtype=torch.float64) / sr
f0, f1, dur = 200.0, 2000.0, 0.25
phase = 2 * math.pi * (f0 * t + (f1 - f0) / (2 * dur) * t * t)
gen = torch.Generator().manual_seed(1234)
wave = (0.6 * torch.sin(phase) + 0.05 * torch.randn(2000, generator=gen, dtype=torch.float64)).float()
wave = rounded(wave).reshape(1, 2000)

cases = {}
cases["waveform"] = pack(wave)
cases["sampleRate"] = sr

# Spectrogram, n_fft 256, hop 128, power 2.
spec2 = AT.Spectrogram(n_fft=256, hop_length=128, power=2.0)(wave)
cases["spectrogramPower2"] = pack(spec2)
# torchaudio defaults (n_fft 400, hop 200), magnitude (power 1), on the first 800 samples.
short = wave[:, :800]
cases["spectrogramDefaultPower1"] = pack(AT.Spectrogram(power=1.0)(short))
# win_length < n_fft (zero-padded centred window), hop 100.
cases["spectrogramWin200"] = pack(AT.Spectrogram(n_fft=256, win_length=200, hop_length=100, power=2.0)(short))

# Mel filterbank and mel spectrogram (HTK, no norm), n_mels 40.
fb = AF.melscale_fbanks(n_freqs=129, f_min=0.0, f_max=float(sr // 2), n_mels=40, sample_rate=sr,
                        norm=None, mel_scale="htk")
cases["melFilterbank"] = pack(fb)
mel = AT.MelSpectrogram(sample_rate=sr, n_fft=256, hop_length=128, n_mels=40)(wave)
cases["melSpectrogram"] = pack(mel)
cases["melDBTop80"] = pack(AT.AmplitudeToDB(stype="power", top_db=80.0)(mel))
cases["melDBTop40"] = pack(AT.AmplitudeToDB(stype="power", top_db=40.0)(rounded(mel)))
mel_mag = rounded(mel.sqrt())
cases["melMagnitude"] = pack(mel_mag)
cases["melMagnitudeDB"] = pack(AT.AmplitudeToDB(stype="magnitude")(mel_mag))

# Complex STFT (view_as_real, trailing dimension 2) of the first 1000 samples, and its time stretch at 1.3.
stft = torch.stft(wave[:, :1000], n_fft=256, hop_length=128, win_length=256,
                  window=torch.hann_window(256), center=True, pad_mode="reflect",
                  normalized=False, onesided=True, return_complex=True)
stft_ri = rounded(torch.view_as_real(stft))
cases["complexSTFT"] = pack(stft_ri)
stretched = AT.TimeStretch(hop_length=128, n_freq=129, fixed_rate=1.3)(torch.view_as_complex(stft_ri))
cases["timeStretch13"] = pack(torch.view_as_real(stretched))

# SpecAugment masks on the mel spectrogram with forced draws: torchaudio draws value = u1 * param and
# min_value = u2 * (size - value); we record u1 and u2 by replaying the seed.
masks = []
for name, param, seed, axis in [("time", 5, 1, 2), ("frequency", 8, 26, 1), ("time", 20, 30, 2)]:
    torch.manual_seed(seed)
    u1, u2 = torch.rand(1).item(), torch.rand(1).item()
    torch.manual_seed(seed)
    op = AT.TimeMasking(param) if name == "time" else AT.FrequencyMasking(param)
    out = op(mel)
    masks.append({"axis": name, "maskParam": param, "u1": u1, "u2": u2, "output": pack(out)})
cases["masks"] = masks

doc = {"generator": "Tests/Fixtures/generate_audio.py", "torch": torch.__version__,
       "torchaudio": torchaudio.__version__, **cases}
with open(OUT, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
print(OUT, os.path.getsize(OUT), "bytes")
