"""FireRedTTS2's frame generator, rebuilt for serving: static caches, many streams per step, CUDA graphs.

Upstream's `Model.generate_frame` makes one 80 ms frame as one backbone step plus 15 sequential
decoder steps, each a few hundred small kernels, with torchtune's KV caches that hold one batch
whose rows share a single write position. On a GPU that loop is launch-bound and serves one
request at a time. This engine runs the same weights (it reads upstream's modules; it does not
copy them) the same way, with three differences that change speed and not the codes:

- Caches are preallocated per stream slot: the backbone's (layers, slots, kv heads, 3100, head
  dim) and the decoder's 16 positions. Each slot has its own position, so streams of different
  voices, prompts and lengths advance together in one step (continuous batching); a stream joins
  after its own prefill and leaves or is cancelled between frames.
- Sampling is counter-based: each stream's noise is a hash of (its seed, frame, codebook, code),
  the same exponential-race sampling upstream uses, but independent of which other streams share
  the step and free of device RNG state, so it can be captured in a graph. `greedy=True` takes
  the arg max instead (how the tests compare against upstream's loop).
- On CUDA the whole frame (backbone step, 16 samplings, 15 decoder steps, and with a codec every
  slot's audio from codec_streams.py) is captured once per batch bucket (1, 2, 4, … slots) as a
  CUDA graph and replayed; the only device→host copies are the frame's codes and audio, once per
  step for all streams. Elsewhere the same code runs eagerly.
- Streams started between two steps are prefilled together at the next one, in batched passes.

A voice's prompt prefill can be kept (`prefix_key`): a later stream whose token sequence starts
with the same prompt copies its keys and values and prefills only the rest.
"""
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from .codec_streams import CodecStreams

# Upstream samples codebooks 1–15 with fixed settings (generate_frame's "fix to 10 and 0.75").
DECODER_TOPK = 10
DECODER_TEMPERATURE = 0.75
MAX_SEQUENCE = 3100  # upstream's limit on prompt + context + generated positions
MAX_TOPK = 64  # codebook 0's top-k is per stream, up to this (a static shape for the graphs)

_MASK64 = (1 << 64) - 1


def _i64(c: int) -> int:
    """An unsigned 64-bit constant as the signed value torch's int64 arithmetic wraps around."""
    c &= _MASK64
    return c - (1 << 64) if c >= (1 << 63) else c


_GOLDEN = _i64(0x9E3779B97F4A7C15)
_MIX1 = _i64(0xBF58476D1CE4E5B9)
_MIX2 = _i64(0x94D049BB133111EB)
_FRAME = _i64(0xD1B54A32D192ED03)
_SALT = 0x8CB92BA72F3D8DD7


def _shr(x: torch.Tensor, k: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's >> is arithmetic)."""
    return (x >> k) & ((1 << (64 - k)) - 1)


def exponential_noise(seeds: torch.Tensor, frames: torch.Tensor, salt: int, index: torch.Tensor, dtype) -> torch.Tensor:
    """Exp(1) noise per (stream seed, frame, salt, code index): splitmix64 over a counter, so the
    same stream draws the same noise alone or in any batch, on any device, eagerly or in a graph."""
    x = seeds[:, None] * _GOLDEN + frames[:, None] * _FRAME + _i64(salt * _SALT) + index[None, :]
    x = (x ^ _shr(x, 30)) * _MIX1
    x = (x ^ _shr(x, 27)) * _MIX2
    x = x ^ _shr(x, 31)
    u = (_shr(x, 40).to(torch.float64) + 0.5) / float(1 << 24)  # (0, 1), never 0
    return (-torch.log(u)).to(dtype)


@dataclass
class _Layout:
    layers: int
    kv_heads: int
    heads: int
    head_dim: int


def _layout(transformer) -> _Layout:
    attn = transformer.layers[0].attn
    return _Layout(len(transformer.layers), attn.num_kv_heads, attn.num_heads, attn.head_dim)


def streams_within(timings: Dict[int, float], budget_ms: float, cap: int) -> int:
    """The most streams whose step fits the budget: the largest timed batch that does (at least 1,
    at most cap). A frame is 80 ms; the budget leaves the rest for the host and the pipes."""
    fitting = [n for n, ms in timings.items() if ms <= budget_ms and n <= cap]
    return max(fitting, default=1)


class EngineFull(Exception):
    """Every stream slot is taken."""


class FrameEngine:
    def __init__(
        self,
        model,
        max_streams: int = 8,
        max_sequence: int = MAX_SEQUENCE,
        cuda_graphs: Optional[bool] = None,
        greedy: bool = False,
        prefix_cache: int = 32,
        codec=None,
        max_frames: int = 400,
    ):
        self.m = model
        p = next(model.parameters())
        self.device, self.dtype = p.device, p.dtype
        self.slots = max_streams
        self.max_sequence = max_sequence
        self.greedy = greedy
        self.codebooks = model.config.audio_num_codebooks
        self.vocab = model.config.audio_vocab_size
        self.bb, self.dec = _layout(model.backbone), _layout(model.decoder)
        self.use_graphs = (self.device.type == "cuda") if cuda_graphs is None else cuda_graphs
        self.prefix_limit = prefix_cache
        self._prefixes: "OrderedDict[object, Tuple[torch.Tensor, torch.Tensor, torch.Tensor]]" = OrderedDict()
        self.prefix_hits = 0
        dev, dt, S, B = self.device, self.dtype, max_sequence, max_streams
        with torch.inference_mode():
            self.bb_k = torch.zeros(self.bb.layers, B, self.bb.kv_heads, S, self.bb.head_dim, device=dev, dtype=dt)
            self.bb_v = torch.zeros_like(self.bb_k)
            self.dec_k = torch.zeros(self.dec.layers, B, self.dec.kv_heads, self.codebooks, self.dec.head_dim, device=dev, dtype=dt)
            self.dec_v = torch.zeros_like(self.dec_k)
            D = model.projection.in_features
            # Per-slot state, read and written by the frame step (the graphs' inputs and outputs).
            self.pos = torch.zeros(B, dtype=torch.long, device=dev)  # where the slot's next frame is fed
            self.fresh = torch.zeros(B, dtype=torch.bool, device=dev)  # prefilled, first frame not yet made
            self.last_h = torch.zeros(B, D, device=dev, dtype=dt)
            self.codes = torch.zeros(B, self.codebooks, dtype=torch.long, device=dev)
            self.seeds = torch.zeros(B, dtype=torch.long, device=dev)
            self.frames = torch.zeros(B, dtype=torch.long, device=dev)
            self.temperature = torch.ones(B, 1, device=dev, dtype=dt)
            self.topk = torch.full((B,), 20, dtype=torch.long, device=dev)
            self._keys = torch.arange(S, device=dev)
            self._vocab_index = torch.arange(self.vocab, device=dev)
            self._offsets = torch.arange(self.codebooks, device=dev) * self.vocab
            self._step_mask = torch.zeros(1, 1, self.codebooks + 1, dtype=torch.bool, device=dev)
            self._step_mask[..., : self.codebooks] = True
            self.skip = torch.zeros(B, dtype=torch.long, device=dev)  # frames a slot makes before its audio starts
        # The codec decodes every slot's new frame inside the same step (and the same graph).
        self.codec = CodecStreams(codec, max_streams, max_frames) if codec is not None else None
        self.audio_cpu: Optional[torch.Tensor] = None
        self.active: Dict[int, int] = {}  # slot -> frames made
        self._pending: Dict[int, tuple] = {}  # slot -> (tokens, mask, prefix to keep): prefilled at the next step
        self._graphs: Dict[int, "torch.cuda.CUDAGraph"] = {}
        if self.use_graphs:
            self._capture()

    # -- attention over the static caches ------------------------------------------------------
    def _attend(self, q, keys, values, mask):
        """q (b, heads, s, d); keys/values (b, kv heads, T, d); mask (b, 1, s, T) bool or None.
        Grouped-query attention without expanding the cache to every head."""
        b, h, s, d = q.shape
        kvh = keys.size(1)
        g = h // kvh
        qg = q.reshape(b, kvh, g * s, d)
        work = torch.float32 if q.dtype in (torch.float16, torch.bfloat16) else q.dtype
        scores = torch.matmul(qg, keys.transpose(-1, -2)).to(work) * (1.0 / math.sqrt(d))
        if mask is not None:
            scores = scores.view(b, kvh, g, s, -1).masked_fill(~mask.unsqueeze(1), float("-inf")).view(b, kvh, g * s, -1)
        probs = torch.softmax(scores, dim=-1).to(q.dtype)
        return torch.matmul(probs, values).view(b, h, s, d)

    def _layer(self, layer, x, rope_pos, store):
        """One torchtune self-attention layer, its projections, norms, rope and MLP called as they
        are; `store(k, v)` writes the new keys and values and returns (keys, values, mask)."""
        attn = layer.attn
        b, s, _ = x.shape
        h = layer.sa_norm(x)
        q = attn.q_proj(h).view(b, s, attn.num_heads, attn.head_dim)
        k = attn.k_proj(h).view(b, s, attn.num_kv_heads, attn.head_dim)
        v = attn.v_proj(h).view(b, s, attn.num_kv_heads, attn.head_dim)
        q = attn.pos_embeddings(q, input_pos=rope_pos).transpose(1, 2)
        k = attn.pos_embeddings(k, input_pos=rope_pos).transpose(1, 2)
        keys, values, mask = store(k, v.transpose(1, 2))
        out = self._attend(q, keys, values, mask).transpose(1, 2).reshape(b, s, -1)
        h = layer.sa_scale(attn.output_proj(out)) + x
        return h + layer.mlp_scale(layer.mlp(layer.mlp_norm(h)))

    def _finish(self, transformer, h):
        # torchtune's unembed returns float32 and upstream casts back: keep that rounding.
        return transformer.norm(h).float().to(self.dtype)

    def _embed(self, tokens, mask):
        """(b, s, 17) tokens -> (b, s, dim): the 16 codebooks' and the text's embeddings, masked, summed."""
        text = self.m.text_embeddings(tokens[..., -1]).unsqueeze(-2)
        audio = self.m.audio_embeddings(tokens[..., :-1] + self._offsets)
        return (torch.cat([audio, text], dim=-2) * mask.unsqueeze(-1)).sum(dim=2)

    def _embed_audio(self, codebook: int, codes):
        return self.m.audio_embeddings(codes + codebook * self.vocab)

    # -- sampling --------------------------------------------------------------------------------
    def _sample(self, logits, temperature, topk, salt: int, n: int):
        logits = logits / temperature
        if isinstance(topk, int):
            kth = torch.topk(logits, topk).values[..., -1:]
        else:
            kth = torch.topk(logits, min(MAX_TOPK, logits.size(-1))).values.gather(-1, (topk - 1).unsqueeze(-1))
        logits = logits.masked_fill(logits < kth, float("-inf"))
        probs = F.softmax(F.log_softmax(logits, dim=-1), dim=-1)
        if not self.greedy:
            probs = probs / exponential_noise(self.seeds[:n], self.frames[:n], salt, self._vocab_index, probs.dtype)
        return torch.argmax(probs, dim=-1, keepdim=True)

    # -- one frame for slots [0, n) ----------------------------------------------------------------
    def _frame(self, n: int) -> None:
        m, dev = self.m, self.device
        rows = torch.arange(n, device=dev)
        pos = self.pos[:n]
        # Backbone: each slot feeds its previous frame at its own position.
        tokens = torch.cat([self.codes[:n], torch.zeros(n, 1, dtype=torch.long, device=dev)], dim=1).unsqueeze(1)
        h = self._embed(tokens, self._step_mask.expand(n, 1, -1))
        bb_mask = (self._keys[None, :] <= pos[:, None]).view(n, 1, 1, -1)
        for li, layer in enumerate(m.backbone.layers):

            def store(k, v, li=li):
                self.bb_k[li, rows, :, pos] = k[:, :, 0]
                self.bb_v[li, rows, :, pos] = v[:, :, 0]
                return self.bb_k[li, :n], self.bb_v[li, :n], bb_mask

            h = self._layer(layer, h, pos.unsqueeze(1), store)
        stepped = self._finish(m.backbone, h)[:, -1]
        fresh = self.fresh[:n]
        last_h = torch.where(fresh.unsqueeze(1), self.last_h[:n], stepped)
        # Codebook 0 from the backbone, 1–15 from the decoder (its cache restarts every frame).
        c0 = self._sample(m.codebook0_head(last_h), self.temperature[:n], self.topk[:n], 0, n)
        samples = [c0]
        cur = torch.cat([last_h.unsqueeze(1), self._embed_audio(0, c0)], dim=1)
        start = 0
        for i in range(1, self.codebooks):
            s = cur.size(1)
            dpos = torch.arange(start, start + s, device=dev).unsqueeze(0).expand(n, s)
            end = start + s
            causal = None
            if s > 1:
                causal = (torch.arange(end, device=dev)[None, :] <= dpos[0][:, None]).view(1, 1, s, end).expand(n, 1, s, end)
            x = m.projection(cur)
            for li, layer in enumerate(m.decoder.layers):

                def dstore(k, v, li=li, start=start, end=end, causal=causal):
                    self.dec_k[li, :n, :, start:end] = k
                    self.dec_v[li, :n, :, start:end] = v
                    return self.dec_k[li, :n, :, :end], self.dec_v[li, :n, :, :end], causal

                x = self._layer(layer, x, dpos, dstore)
            dh = self._finish(m.decoder, x)
            ci = self._sample(torch.mm(dh[:, -1, :], m.audio_head[i - 1]), DECODER_TEMPERATURE, DECODER_TOPK, i, n)
            samples.append(ci)
            cur = self._embed_audio(i, ci)
            start = end
        codes = torch.cat(samples, dim=1)
        self.codes[:n] = codes
        if self.codec is not None:
            # Frames a slot skips, and an end-of-speech frame, leave its decoder state as it was.
            self.codec.decode(n, codes, (self.frames[:n] >= self.skip[:n]) & (codes != 0).any(dim=1))
        self.last_h[:n] = last_h
        self.pos[:n] += (~fresh).long()  # a fresh slot's first frame goes where its prefill ended
        self.fresh[:n] = False
        self.frames[:n] += 1

    def _buckets(self) -> List[int]:
        sizes, n = [], 1
        while n < self.slots:
            sizes.append(n)
            n *= 2
        return sizes + [self.slots]

    def _bucket(self, highest_slot: int) -> int:
        return next(b for b in self._buckets() if b > highest_slot)

    def time_steps(self, repeats: int = 5, stop_above_ms: float = float("inf")) -> Dict[int, float]:
        """Milliseconds one step takes per batch bucket (every slot of it busy; nothing is active
        yet, so the state is scratch and is reset after), up to the first bucket slower than
        `stop_above_ms` (a bigger one is slower still). What a pod can promise in real time."""
        import time

        if self.active or self._pending:
            raise RuntimeError("time_steps() runs before any stream starts")
        timings = {}
        with torch.inference_mode():
            for n in self._buckets():
                best = float("inf")
                for _ in range(repeats):
                    t = time.perf_counter()
                    if self.use_graphs:
                        self._graphs[n].replay()
                    else:
                        self._frame(n)
                    self.codes[:n].to("cpu")
                    best = min(best, time.perf_counter() - t)
                timings[n] = round(best * 1000, 2)
                if timings[n] > stop_above_ms:
                    break
            self._reset_slots()
        return timings

    def _reset_slots(self) -> None:
        self.pos.zero_()
        self.fresh.zero_()
        self.frames.zero_()
        if self.codec is not None:
            for slot in range(self.slots):
                self.codec.reset(slot)

    def _capture(self) -> None:
        pool = torch.cuda.graph_pool_handle()
        with torch.inference_mode():
            for n in self._buckets():
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    for _ in range(2):
                        self._frame(n)  # warm-up (kernels chosen, workspaces made); slots are all free
                torch.cuda.current_stream().wait_stream(side)
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph, pool=pool):
                    self._frame(n)
                self._graphs[n] = graph
            self._reset_slots()
            torch.cuda.synchronize()

    # -- streams ---------------------------------------------------------------------------------
    def start(
        self,
        tokens: torch.Tensor,
        mask: torch.Tensor,
        temperature: float,
        topk: int,
        seed: int = 0,
        prefix_key: object = None,
        prefix_length: int = 0,
        skip: int = 0,
    ) -> int:
        """Takes a new stream ((length, 17) tokens and mask) and returns its slot. Its prefill runs
        at the next step(), together with every other stream started since the last one (one
        batched pass instead of one per stream), and that step makes its first frame; with a
        codec, its first `skip` frames are not decoded. A stream whose kept prefix matches is
        prefilled at once, from where the prefix ends."""
        free = [s for s in range(self.slots) if s not in self.active]
        if not free:
            raise EngineFull(f"all {self.slots} stream slots are busy")
        if not 1 <= topk <= MAX_TOPK:
            raise ValueError(f"topk {topk} is outside 1..{MAX_TOPK}")
        length = tokens.size(0)
        if length >= self.max_sequence:
            raise ValueError(f"prompt of {length} positions does not fit {self.max_sequence}")
        slot = free[0]
        with torch.inference_mode():
            tokens = tokens.long().to(self.device)
            mask = mask.bool().to(self.device)
            done = self._reuse_prefix(slot, tokens, prefix_key, prefix_length)
            if done:
                self._prefill(slot, tokens, mask, done)
            else:
                keep = (prefix_key, prefix_length) if prefix_key is not None and 0 < prefix_length <= length else None
                self._pending[slot] = (tokens, mask, keep)
            self.pos[slot] = length
            self.fresh[slot] = True
            self.frames[slot] = 0
            self.seeds[slot] = seed
            self.temperature[slot] = temperature
            self.topk[slot] = topk
            self.skip[slot] = skip
        if self.codec is not None:
            self.codec.reset(slot)
        self.active[slot] = 0
        return slot

    # Activations a batched prefill may hold: positions, and attention scores (streams × length²).
    PREFILL_POSITIONS = 8192
    PREFILL_SCORES = 1 << 24

    def _prefill_pending(self) -> None:
        """Prefills the streams started since the last step, in as few batched passes as fit."""
        items = sorted(self._pending.items(), key=lambda kv: kv[1][0].size(0))
        self._pending.clear()
        group: list = []
        for item in items:
            longest = item[1][0].size(0)
            n = len(group) + 1
            if group and (n * longest > self.PREFILL_POSITIONS or n * longest * longest > self.PREFILL_SCORES):
                self._prefill_batch(group)
                group = []
            group.append(item)
        if group:
            self._prefill_batch(group)

    def _prefill_batch(self, group) -> None:
        """One pass over several new streams from position 0, padded to the longest; a padded
        position's keys land beyond its stream's end, where nothing attends until they are
        overwritten by the stream's own frames."""
        m, dev = self.m, self.device
        b = len(group)
        longest = max(tokens.size(0) for _, (tokens, _, _) in group)
        tokens = torch.zeros(b, longest, self.codebooks + 1, dtype=torch.long, device=dev)
        mask = torch.zeros(b, longest, self.codebooks + 1, dtype=torch.bool, device=dev)
        for i, (_, (t, mk, _)) in enumerate(group):
            tokens[i, : t.size(0)] = t
            mask[i, : t.size(0)] = mk
        slots = torch.tensor([slot for slot, _ in group], device=dev)
        lengths = torch.tensor([t.size(0) for _, (t, _, _) in group], device=dev)
        at = torch.arange(longest, device=dev)
        rope = at.unsqueeze(0).expand(b, -1)
        causal = (at[None, :] <= at[:, None]).view(1, 1, longest, longest)
        h = self._embed(tokens, mask)
        for li, layer in enumerate(m.backbone.layers):

            def store(k, v, li=li):
                self.bb_k[li, slots[:, None], :, at[None, :]] = k.transpose(1, 2)
                self.bb_v[li, slots[:, None], :, at[None, :]] = v.transpose(1, 2)
                return k, v, causal

            h = self._layer(layer, h, rope, store)
        self.last_h[slots] = self._finish(m.backbone, h)[torch.arange(b, device=dev), lengths - 1]
        for slot, (t, _, keep) in group:
            if keep is not None:
                self._keep_prefix(slot, t, *keep)

    def _prefill(self, slot: int, tokens, mask, start: int) -> None:
        m, dev = self.m, self.device
        length = tokens.size(0)
        s = length - start
        if s == 0:  # the whole sequence was a kept prefix: recompute its last position's output
            start, s = length - 1, 1
        h = self._embed(tokens[start:].unsqueeze(0), mask[start:].unsqueeze(0))
        rope = torch.arange(start, length, device=dev).unsqueeze(0)
        causal = (torch.arange(length, device=dev)[None, :] <= rope[0][:, None]).view(1, 1, s, length)
        for li, layer in enumerate(m.backbone.layers):

            def store(k, v, li=li):
                self.bb_k[li, slot, :, start:length] = k[0]
                self.bb_v[li, slot, :, start:length] = v[0]
                return self.bb_k[li, slot : slot + 1, :, :length], self.bb_v[li, slot : slot + 1, :, :length], causal

            h = self._layer(layer, h, rope, store)
        self.last_h[slot] = self._finish(m.backbone, h)[0, -1]

    def _reuse_prefix(self, slot: int, tokens, key, length: int) -> int:
        kept = self._prefixes.get(key) if key is not None else None
        if kept is None:
            return 0
        kept_tokens, k, v = kept
        n = kept_tokens.size(0)
        if n != length or tokens.size(0) < n or not torch.equal(tokens[:n], kept_tokens):
            return 0
        self._prefixes.move_to_end(key)
        self.bb_k[:, slot, :, :n] = k
        self.bb_v[:, slot, :, :n] = v
        self.prefix_hits += 1
        return n

    def _keep_prefix(self, slot: int, tokens, key, length: int) -> None:
        self._prefixes[key] = (tokens[:length].clone(), self.bb_k[:, slot, :, :length].clone(), self.bb_v[:, slot, :, :length].clone())
        while len(self._prefixes) > self.prefix_limit:
            self._prefixes.popitem(last=False)

    def step(self) -> Dict[int, torch.Tensor]:
        """One frame for every active stream: {slot: (16,) codes on the CPU}. All-zero codes mean
        the stream ended (upstream's end of speech); the caller stops it."""
        if not self.active:
            return {}
        n = self._bucket(max(self.active))
        with torch.inference_mode():
            if self._pending:
                self._prefill_pending()
            if self.use_graphs:
                self._graphs[n].replay()
            else:
                self._frame(n)
            codes = self.codes[:n].to("cpu")  # the step's device→host copies: codes, then audio
            if self.codec is not None:
                self.audio_cpu = self.codec.audio[:n].to("cpu")
        for slot in self.active:
            self.active[slot] += 1
        return {slot: codes[slot] for slot in self.active}

    def audio(self, slot: int) -> torch.Tensor:
        """The slot's decoded frame from the last step (see CodecStreams.decode), on the CPU."""
        return self.audio_cpu[slot]

    def stop(self, slot: int) -> None:
        """Ends (or cancels) a stream between frames; its slot is free for the next start()."""
        self.active.pop(slot, None)
        self._pending.pop(slot, None)
