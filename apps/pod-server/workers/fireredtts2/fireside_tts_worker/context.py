"""Continuity between calls: the earlier turns of one dialogue (or conversation) that condition the next.

FireRedTTS2 reads voice prompts and earlier turns as one token sequence that must stay under its
context limit (3100 positions less the room reserved for the new turn's audio). A History keeps
each turn's tokens as the model produced them, so nothing is re-encoded, and hands out the newest
turns that fit next to the prompts. Tensor-free: token payloads are opaque here.
"""
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

# Upstream's sequence limit, and the generation room it reserves for a 30 s turn (375 frames).
MAX_SEQUENCE = 3100
TURN_FRAMES = 375
CONTEXT_BUDGET = MAX_SEQUENCE - TURN_FRAMES  # 2725


@dataclass
class Segment:
    speaker: str  # "[S1]".."[S4]"
    text: str
    tokens: Any  # model-specific (a (length, 17) tensor for FireRedTTS2)
    mask: Any
    length: int  # sequence positions the segment takes


class ContextTooLong(Exception):
    """The prompts and the new text alone exceed the model's context."""


class History:
    def __init__(self, budget: int = CONTEXT_BUDGET):
        self.budget = budget
        self.segments: List[Segment] = []
        self.dropped = 0
        # speaker tag -> voice: whose prompt conditions each speaker's turns
        self.voices: Dict[str, Any] = {}

    def window(self, reserved: int) -> List[Segment]:
        """The newest turns that fit beside `reserved` positions (prompts + new text); older ones are dropped for good."""
        if reserved >= self.budget:
            raise ContextTooLong(
                f"voice prompts and text need {reserved} positions, over the model's {self.budget}: use shorter reference clips or text"
            )
        room = self.budget - reserved
        keep: List[Segment] = []
        for seg in reversed(self.segments):
            if seg.length > room:
                break
            keep.append(seg)
            room -= seg.length
        keep.reverse()
        self.dropped += len(self.segments) - len(keep)
        self.segments = keep
        return list(keep)

    def append(self, segment: Segment) -> None:
        self.segments.append(segment)


class Contexts:
    """Histories by key (a dialogue job or a conversation), the least recently used evicted past `limit`."""

    def __init__(self, limit: int = 32, budget: int = CONTEXT_BUDGET):
        self.limit = limit
        self.budget = budget
        self._by_key: "OrderedDict[str, History]" = OrderedDict()

    def get(self, key: Optional[str]) -> Optional[History]:
        if not key:
            return None
        history = self._by_key.pop(key, None) or History(self.budget)
        self._by_key[key] = history
        while len(self._by_key) > self.limit:
            self._by_key.popitem(last=False)
        return history

    def end(self, key: str) -> bool:
        return self._by_key.pop(key, None) is not None

    def sizes(self) -> dict:
        return {k: len(h.segments) for k, h in self._by_key.items()}
