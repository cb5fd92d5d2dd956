"""Audio for the final mix: decoding to one sample format, narration levelling, the music bed, ducking,
loudness normalisation with a true-peak ceiling.

Everything here works on float32 arrays shaped (2, samples) at 48 kHz: the merge decodes each input once,
does the arithmetic in numpy (exact lengths, exact gains, no filter-graph surprises) and hands one WAV to
ffmpeg for the AAC encode. Loudness is measured in-process (``bs1770.py``, compiled); ffmpeg's ebur128
filter, the reference implementation of EBU R128 / ITU-R BS.1770, is the judge the tests hold it to.
"""
