"""What every silent-certification page template needs: the words of stored values, and Beijing time."""

from __future__ import annotations

from typing import Any

from tongban.calendar.service import CHINA
from tongban.registries.qualification import WORDS

# Times are stored in UTC and shown as offices and residents read a clock: China Standard Time.
PARTS: dict[str, Any] = {"words": WORDS, "china": CHINA}
