"""Runs aeneas on one WAV + word list and writes the word spans as JSON (a child process of align.py).

    python -m nodes.tts.aeneas_driver AUDIO.wav WORDS.txt OUT.json LANGUAGE

aeneas probes audio with ffprobe, which this project does not ship; the input is always a 16 kHz mono
PCM16 WAV written by the parent, so its properties are read with the standard library instead.
"""

from __future__ import annotations

import json
import sys
import wave


def main(audio: str, words: str, out: str, language: str) -> int:
    from aeneas.audiofile import AudioFile
    from aeneas.exacttiming import TimeValue
    from aeneas.executetask import ExecuteTask
    from aeneas.runtimeconfiguration import RuntimeConfiguration
    from aeneas.task import Task
    from imageio_ffmpeg import get_ffmpeg_exe

    def read_properties(self: AudioFile) -> None:
        with wave.open(self.file_path, "rb") as w:
            self.audio_length = TimeValue(str(w.getnframes() / w.getframerate()))
            self.audio_sample_rate = w.getframerate()
            self.audio_channels = w.getnchannels()
        self.audio_format = "pcm_s16le"
        self.file_format = (self.audio_format, self.audio_channels, self.audio_sample_rate)

    AudioFile.read_properties = read_properties  # this child process only
    task = Task(config_string=f"task_language={language}|is_text_type=plain|os_task_file_format=json")
    task.audio_file_path_absolute = audio
    task.text_file_path_absolute = words
    ExecuteTask(task, rconf=RuntimeConfiguration(f"ffmpeg_path={get_ffmpeg_exe()}")).execute()
    spans = [[float(f.begin), float(f.end)] for f in task.sync_map_leaves() if f.text]
    with open(out, "w", encoding="utf-8") as f:
        json.dump(spans, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
