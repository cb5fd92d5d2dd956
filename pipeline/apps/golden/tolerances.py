"""How far a new render may drift from its golden set before a check fails.

The defaults are strict about what viewers would notice (a different size, a moved caption, a louder
mix) and lenient about encoder noise. ``record`` writes them into golden.json, where a user may edit them;
command-line flags override both for one run.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Tolerances(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration_frames: float = Field(1.0, ge=0, description="Durations may differ by this many frames.")
    ssim: float = Field(0.97, ge=-1, le=1, description="Minimum SSIM (luma) of every sampled frame.")
    psnr_db: float | None = Field(None, description="Minimum PSNR in dB of every sampled frame "
                                                    "(null: reported, not checked).")
    loudness_lu: float = Field(0.5, ge=0, description="Integrated loudness may differ by this many LU.")
    envelope_lu: float = Field(1.0, ge=0, description="Maximum RMS difference of the momentary loudness "
                                                      "envelopes, in LU.")
    spectrum_db: float = Field(3.0, ge=0, description="Maximum difference of any spectrum band's level, "
                                                      "in dB.")
    caption_ms: float = Field(20.0, ge=0, description="Caption start/end times may differ by this many ms.")

    def override(self, **values: float | None) -> Tolerances:
        """A copy with the given values replaced; ``None`` values are left as they are."""
        unknown = sorted(set(values) - set(Tolerances.model_fields))
        if unknown:
            raise ValueError(f"unknown tolerance(s) {', '.join(unknown)}; "
                             f"known: {', '.join(Tolerances.model_fields)}")
        changes = {k: v for k, v in values.items() if v is not None}
        return Tolerances.model_validate({**self.model_dump(), **changes})
