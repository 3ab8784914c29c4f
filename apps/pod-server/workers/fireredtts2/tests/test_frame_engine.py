"""The frame engine (static caches, batched streams) against FireRedTTS2's own frame loop.

Needs torch and torchtune (`tools/torch_env.sh` installs them; CI runs these tests). The oracle is
upstream's `Model.generate_frame` where the `fireredtts2` package is importable (installed, or a
checkout named by FIRESIDE_FIREREDTTS2_SRC). CI cannot fetch upstream (it is on GitHub only, and its
code is not ours to vendor), so there the oracle is UPSTREAM-SHAPED TEST DOUBLE below: the same
architecture built from torchtune's qwen2 and torchtune's own KV caches, driven the way
upstream's loop drives them. Which oracle ran is printed.

Models are tiny and float64, so the only differences left between two correct implementations
are rounding at 1e-16, far below any gap between two codes' scores; codes must match exactly.
FIRESIDE_TEST_DEVICE=cuda runs the same checks on a GPU with CUDA graphs.
"""
import os
import sys
import types
import unittest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)
if os.environ.get("FIRESIDE_FIREREDTTS2_SRC"):
    sys.path.insert(0, os.environ["FIRESIDE_FIREREDTTS2_SRC"])

IN_CI = bool(os.environ.get("CI"))
try:
    import torch
    import torch.nn as nn
    from torchtune.models.qwen2 import qwen2

    MISSING = None
except ImportError as err:  # pragma: no cover - depends on the machine
    MISSING = f"torch/torchtune not installed ({err}); run apps/pod-server/workers/fireredtts2/tools/torch_env.sh"

try:
    import fireredtts2.llm.llm as upstream_llm
    from fireredtts2.llm.modules import FLAVORS
except ImportError:
    upstream_llm = None

DEVICE = os.environ.get("FIRESIDE_TEST_DEVICE", "cpu")
FRAMES = 10
AUDIO_VOCAB = 80
TEXT_VOCAB = 120


def backbone_flavor():
    return qwen2(vocab_size=TEXT_VOCAB, num_layers=2, num_heads=4, num_kv_heads=2, embed_dim=64, intermediate_dim=96,
                 max_seq_len=4096, norm_eps=1e-6, rope_base=1_000_000.0, tie_word_embeddings=True)


def decoder_flavor():
    return qwen2(vocab_size=TEXT_VOCAB, num_layers=2, num_heads=4, num_kv_heads=1, embed_dim=32, intermediate_dim=48,
                 max_seq_len=4096, norm_eps=1e-6, rope_base=1_000_000.0, tie_word_embeddings=True)


class UpstreamShapedDouble(nn.Module if MISSING is None else object):
    """UPSTREAM-SHAPED TEST DOUBLE, only where upstream cannot be imported: FireRedTTS2's LLM layout
    (two torchtune qwen2 transformers, text and audio embeddings, heads) and its per-frame loop over
    torchtune's KV caches, so the engine's static caches have an independent oracle in CI."""

    def __init__(self):
        super().__init__()
        self.backbone, self.decoder = backbone_flavor(), decoder_flavor()
        for t in (self.backbone, self.decoder):
            t.tok_embeddings, t.output = nn.Identity(), nn.Identity()
        self.config = types.SimpleNamespace(audio_vocab_size=AUDIO_VOCAB, audio_num_codebooks=16)
        self.text_embeddings = nn.Embedding(TEXT_VOCAB, 64)
        self.audio_embeddings = nn.Embedding(AUDIO_VOCAB * 16, 64)
        self.projection = nn.Linear(64, 32, bias=False)
        self.codebook0_head = nn.Linear(64, AUDIO_VOCAB, bias=False)
        self.audio_head = nn.Parameter(torch.empty(15, 32, AUDIO_VOCAB))

    def setup_caches(self, batch):
        dtype, dev = next(self.parameters()).dtype, next(self.parameters()).device
        with dev:
            self.backbone.setup_caches(batch, dtype)
            self.decoder.setup_caches(batch, dtype, decoder_max_seq_len=16)
        self.bb_mask = torch.tril(torch.ones(4096, 4096, dtype=torch.bool, device=dev))
        self.dec_mask = torch.tril(torch.ones(16, 16, dtype=torch.bool, device=dev))

    def reset_caches(self):
        self.backbone.reset_caches()
        self.decoder.reset_caches()

    def generate_frame(self, tokens, mask, pos, temperature, topk):
        dtype = next(self.parameters()).dtype
        text = self.text_embeddings(tokens[:, :, -1]).unsqueeze(-2)
        offsets = AUDIO_VOCAB * torch.arange(16, device=tokens.device)
        audio = self.audio_embeddings(tokens[:, :, :-1] + offsets)
        h = (torch.cat([audio, text], dim=-2) * mask.unsqueeze(-1)).sum(dim=2)
        h = self.backbone(h, input_pos=pos, mask=self.bb_mask[pos, :]).to(dtype)[:, -1, :]
        sample = [greedy(self.codebook0_head(h))]
        cur = torch.cat([h.unsqueeze(1), self.audio_embeddings(sample[0])], dim=1)
        dpos = torch.arange(0, 2, device=h.device).unsqueeze(0)
        self.decoder.reset_caches()
        for i in range(1, 16):
            d = self.decoder(self.projection(cur), input_pos=dpos, mask=self.dec_mask[dpos, :]).to(dtype)
            sample.append(greedy(torch.mm(d[:, -1, :], self.audio_head[i - 1])))
            cur = self.audio_embeddings(sample[-1] + i * AUDIO_VOCAB)
            dpos = dpos[:, -1:] + 1
        return torch.cat(sample, dim=1)


def greedy(logits):
    return torch.argmax(logits, dim=-1, keepdim=True)


def double_sample_topk(logits, topk, temperature, race):
    """UPSTREAM-SHAPED TEST DOUBLE of upstream's sample_topk: temperature, top-k, then the
    exponential race `race(probs)`."""
    logits = logits / temperature
    logits = logits.masked_fill(logits < torch.topk(logits, topk)[0][..., -1, None], float("-inf"))
    return race(torch.softmax(torch.log_softmax(logits, dim=-1), dim=-1))


def build_model():
    torch.manual_seed(1234)
    if upstream_llm is not None:
        FLAVORS.setdefault("fireside-test-backbone", backbone_flavor)
        FLAVORS.setdefault("fireside-test-decoder", decoder_flavor)
        args = upstream_llm.ModelArgs(backbone_flavor="fireside-test-backbone", decoder_flavor="fireside-test-decoder",
                                      text_vocab_size=TEXT_VOCAB, audio_vocab_size=AUDIO_VOCAB, audio_num_codebooks=16,
                                      decoder_loss_weight=0.6, use_text_loss=True)
        model = upstream_llm.Model(args)
    else:
        model = UpstreamShapedDouble()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("scale"):  # RMSNorm gains
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))
    return model.to(device=DEVICE, dtype=torch.float64).eval()


def prompt(length, seed):
    """A prompt shaped like FireRedTTS2's: text positions (last column), then audio frames (16 codes)."""
    g = torch.Generator().manual_seed(seed)
    text = length // 3
    tokens = torch.zeros(length, 17, dtype=torch.long)
    mask = torch.zeros(length, 17, dtype=torch.bool)
    tokens[:text, -1] = torch.randint(1, TEXT_VOCAB, (text,), generator=g)
    mask[:text, -1] = True
    tokens[text:, :16] = torch.randint(1, AUDIO_VOCAB, (length - text, 16), generator=g)
    mask[text:, :16] = True
    return tokens, mask


def reference(model, tokens, mask, frames):
    """The oracle: upstream's generate_frame loop (greedy), batch 1, as upstream's generate() drives it."""
    if not model.backbone.caches_are_setup():
        model.setup_caches(1)
    model.reset_caches()
    cur, cur_mask = tokens.to(DEVICE)[None], mask.to(DEVICE)[None]
    pos = torch.arange(tokens.size(0), device=DEVICE)[None]
    out = []
    with torch.inference_mode():
        for _ in range(frames):
            sample = model.generate_frame(cur, cur_mask, pos, 0.9, 20)
            if torch.all(sample == 0):
                break
            out.append(sample[0].tolist())
            zero = torch.zeros(1, 1, dtype=torch.long, device=DEVICE)
            cur = torch.cat([sample.long(), zero], dim=1).unsqueeze(1)
            cur_mask = torch.cat([torch.ones_like(sample).bool(), zero.bool()], dim=1).unsqueeze(1)
            pos = pos[:, -1:] + 1
    return out


class Check(unittest.TestCase):
    """Fails (not skips) in CI when torch or torchtune is missing."""

    @classmethod
    def setUpClass(cls):
        if MISSING:
            if IN_CI:
                raise RuntimeError(MISSING)
            raise unittest.SkipTest(MISSING)
        from fireside_tts_worker.frame_engine import FrameEngine

        cls.FrameEngine = FrameEngine
        cls.model = build_model()

    def engine(self, **kw):
        kw.setdefault("max_streams", 4)
        return self.FrameEngine(self.model, max_sequence=512, **kw)


class MatchesUpstreamLoop(Check):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        oracle = "upstream fireredtts2 Model.generate_frame" if upstream_llm else "UPSTREAM-SHAPED TEST DOUBLE (upstream not importable)"
        sys.stderr.write(f"\n[frame engine] oracle: {oracle}; device {DEVICE}\n")
        if upstream_llm is not None:  # greedy: upstream's sampler with its noise taken out
            cls._saved = upstream_llm._multinomial_sample_one_no_sync
            upstream_llm._multinomial_sample_one_no_sync = lambda probs: torch.argmax(probs, dim=-1, keepdim=True).int()

    @classmethod
    def tearDownClass(cls):
        if upstream_llm is not None and hasattr(cls, "_saved"):
            upstream_llm._multinomial_sample_one_no_sync = cls._saved

    def run_engine(self, engine, prompts, frames):
        slots = [engine.start(t, m, 0.9, 20) for t, m in prompts]
        out = {s: [] for s in slots}
        for _ in range(frames):
            for slot, codes in engine.step().items():
                out[slot].append(codes.tolist())
        return [out[s] for s in slots]

    def test_batch_of_one_makes_the_same_codes_as_upstreams_loop(self):
        for length, seed in ((37, 1), (90, 2)):
            t, m = prompt(length, seed)
            expected = reference(self.model, t, m, FRAMES)
            self.assertEqual(len(expected), FRAMES)
            self.assertEqual(self.run_engine(self.engine(greedy=True), [(t, m)], FRAMES)[0], expected, f"prompt of {length}")

    def test_every_stream_of_a_batch_makes_the_same_codes_as_upstreams_loop(self):
        prompts = [prompt(length, seed) for length, seed in ((37, 1), (90, 2), (12, 3))]
        expected = [reference(self.model, t, m, FRAMES) for t, m in prompts]
        got = self.run_engine(self.engine(greedy=True), prompts, FRAMES)
        for i in range(3):
            self.assertEqual(got[i], expected[i], f"stream {i}")
        self.assertNotEqual(got[0], got[1])  # different prompts really differ


class SamplesLikeUpstream(Check):
    """Seeded sampling is upstream's sample_topk (temperature, top-k, exponential race) with noise
    that comes from a counter instead of the device's generator."""

    def test_same_choice_as_upstreams_sampler_given_the_same_noise(self):
        with torch.inference_mode():  # the engine's state tensors are inference tensors
            self.check_same_choice()

    def check_same_choice(self):
        from fireside_tts_worker.frame_engine import exponential_noise

        e = self.engine(max_streams=4)
        torch.manual_seed(7)
        logits = (3 * torch.randn(4, AUDIO_VOCAB, dtype=torch.float64)).to(DEVICE)
        e.seeds[:4] = torch.tensor([5, 6, 7, 8])
        e.frames[:4] = torch.tensor([0, 3, 9, 1])
        for salt, topk, temperature in ((0, 20, 0.9), (4, 10, 0.75), (0, 1, 1.0)):
            noise = exponential_noise(e.seeds[:4], e.frames[:4], salt, e._vocab_index, torch.float64)
            race = lambda probs: torch.argmax(probs / noise, dim=-1, keepdim=True)  # noqa: E731
            if upstream_llm is not None:
                saved = upstream_llm._multinomial_sample_one_no_sync
                upstream_llm._multinomial_sample_one_no_sync = race
                try:
                    expected = upstream_llm.sample_topk(logits, topk, temperature)
                finally:
                    upstream_llm._multinomial_sample_one_no_sync = saved
            else:
                expected = double_sample_topk(logits, topk, temperature, race)
            per_row = e._sample(logits, torch.full((4, 1), temperature, dtype=torch.float64, device=DEVICE),
                                torch.full((4,), topk, device=DEVICE), salt, 4)
            fixed = e._sample(logits, temperature, topk, salt, 4)
            self.assertEqual(per_row.flatten().tolist(), expected.flatten().tolist(), f"top-{topk}")
            self.assertEqual(fixed.flatten().tolist(), expected.flatten().tolist(), f"top-{topk}")

    def test_the_noise_is_exponential_and_keyed_by_seed_frame_and_codebook(self):
        from fireside_tts_worker.frame_engine import exponential_noise

        index = torch.arange(20000)
        a = exponential_noise(torch.tensor([1]), torch.tensor([0]), 0, index, torch.float64)
        self.assertTrue(bool((a > 0).all()))
        self.assertAlmostEqual(a.mean().item(), 1.0, delta=0.03)  # Exp(1): mean 1, variance 1
        self.assertAlmostEqual(a.var().item(), 1.0, delta=0.06)
        self.assertTrue(torch.equal(a, exponential_noise(torch.tensor([1]), torch.tensor([0]), 0, index, torch.float64)))
        for other in ((2, 0, 0), (1, 1, 0), (1, 0, 1)):
            b = exponential_noise(torch.tensor([other[0]]), torch.tensor([other[1]]), other[2], index, torch.float64)
            self.assertLess(abs(torch.corrcoef(torch.stack([a[0], b[0]]))[0, 1].item()), 0.05)


class StreamsAreIndependent(Check):
    """Seeded sampling: a stream's codes depend on its own seed and prompt, never on its neighbours."""

    def alone(self, p, seed, frames, slot_offset=0):
        e = self.engine()
        for _ in range(slot_offset):  # occupy lower slots so this stream lands higher
            e.start(*prompt(20, 99), 0.9, 20, seed=99)
        s = e.start(*p, 0.9, 20, seed=seed)
        return [e.step()[s].tolist() for _ in range(frames)]

    def test_join_leave_and_cancel_mid_batch_leave_the_others_codes_alone(self):
        a, b, c = prompt(30, 11), prompt(55, 12), prompt(18, 13)
        solo_a, solo_b, solo_c = self.alone(a, 1, FRAMES), self.alone(b, 2, 6), self.alone(c, 3, 5)
        e = self.engine()
        got = {"a": [], "b": [], "c": []}
        slot = {"a": e.start(*a, 0.9, 20, seed=1)}
        for frame in range(FRAMES):
            if frame == 2:
                slot["b"] = e.start(*b, 0.9, 20, seed=2)  # joins while a is mid-stream
            if frame == 3:
                slot["c"] = e.start(*c, 0.9, 20, seed=3)
            if frame == 8:
                e.stop(slot.pop("b"))  # b is cancelled after 6 frames
            if frame == 8:
                e.stop(slot.pop("c"))  # c leaves after 5 frames
            step = e.step()
            for name, s in slot.items():
                got[name].append(step[s].tolist())
        self.assertEqual(got["a"], solo_a)
        self.assertEqual(got["b"], solo_b)
        self.assertEqual(got["c"], solo_c)

    def test_streams_starting_together_share_one_prefill_and_keep_their_own_codes(self):
        prompts = [(prompt(length, 50 + i), i) for i, length in enumerate((30, 55, 18))]
        solo = [self.alone(p, seed, 5) for p, seed in prompts]
        for positions in (None, 64):  # one pass for all three; then passes split by the size limit
            e = self.engine()
            if positions:
                e.PREFILL_POSITIONS = positions
            slots = [e.start(*p, 0.9, 20, seed=seed) for p, seed in prompts]
            got = [[] for _ in slots]
            for _ in range(5):
                step = e.step()
                for i, slot in enumerate(slots):
                    got[i].append(step[slot].tolist())
            self.assertEqual(got, solo, f"prefill passes limited to {positions} positions")

    def test_a_freed_slot_serves_the_next_stream_from_a_clean_start(self):
        a, b = prompt(40, 21), prompt(25, 22)
        e = self.engine(max_streams=1)
        first = e.start(*a, 0.9, 20, seed=5)
        for _ in range(4):
            e.step()
        e.stop(first)
        second = e.start(*b, 0.9, 20, seed=6)
        self.assertEqual(second, first)
        self.assertEqual([e.step()[second].tolist() for _ in range(5)], self.alone(b, 6, 5))

    def test_the_slot_a_stream_lands_in_does_not_change_its_codes(self):
        p = prompt(33, 31)
        self.assertEqual(self.alone(p, 7, 6), self.alone(p, 7, 6, slot_offset=3))

    def test_different_seeds_give_different_codes(self):
        p = prompt(33, 31)
        self.assertNotEqual(self.alone(p, 7, 4), self.alone(p, 8, 4))

    def test_a_kept_voice_prefix_is_reused_and_changes_nothing(self):
        voice, _ = prompt(40, 41)
        vmask = prompt(40, 41)[1]
        text_t, text_m = prompt(9, 42)
        tokens, mask = torch.cat([voice, text_t]), torch.cat([vmask, text_m])
        plain = self.alone((tokens, mask), 9, 5)
        e = self.engine()
        s = e.start(tokens, mask, 0.9, 20, seed=9, prefix_key="voice-1", prefix_length=40)
        first = [e.step()[s].tolist() for _ in range(5)]
        e.stop(s)
        s = e.start(tokens, mask, 0.9, 20, seed=9, prefix_key="voice-1", prefix_length=40)
        second = [e.step()[s].tolist() for _ in range(5)]
        self.assertEqual(e.prefix_hits, 1)
        self.assertEqual(first, plain)
        self.assertEqual(second, plain)

    def test_timing_each_batch_size_leaves_no_trace_and_sizes_the_offer(self):
        from fireside_tts_worker.frame_engine import streams_within

        p = prompt(33, 61)
        e = self.engine()
        timings = e.time_steps(repeats=1)
        self.assertEqual(sorted(timings), [1, 2, 4])
        self.assertTrue(all(ms > 0 for ms in timings.values()))
        s = e.start(*p, 0.9, 20, seed=4)
        self.assertEqual([e.step()[s].tolist() for _ in range(4)], self.alone(p, 4, 4))
        e.stop(s)
        self.assertEqual(list(e.time_steps(repeats=1, stop_above_ms=0)), [1])  # slower than allowed: no bigger batch timed
        # The offer: the largest timed batch within the budget, never above the cap, at least one.
        self.assertEqual(streams_within({1: 18.6, 2: 20.0, 4: 20.2, 8: 21.5, 16: 23.1}, 40, 8), 8)
        self.assertEqual(streams_within({1: 18.6, 2: 20.0, 4: 20.2, 8: 41.0}, 40, 16), 4)
        self.assertEqual(streams_within({1: 90.0, 2: 95.0}, 40, 8), 1)

    def test_a_full_engine_says_so(self):
        from fireside_tts_worker.frame_engine import EngineFull

        e = self.engine(max_streams=2)
        e.start(*prompt(10, 1), 0.9, 20)
        e.start(*prompt(10, 2), 0.9, 20)
        with self.assertRaises(EngineFull):
            e.start(*prompt(10, 3), 0.9, 20)


if __name__ == "__main__":
    unittest.main()
