"""The batched streaming codec decoder against upstream's own decode_one_token, stream by stream.

The codec is upstream's code (RedCodec's quantizer, upsampler and acoustic decoder), so these tests
need the `fireredtts2` package (installed, or a checkout named by FIRESIDE_FIREREDTTS2_SRC). CI
cannot fetch it (GitHub only) and we do not vendor it: there they skip and say so; they run here
and in tools/gpu_run.sh. Float32 (upstream's quantizer builds float32 tensors itself), so audio is
compared to within 1e-4 of a signal around 1.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)
if os.environ.get("FIRESIDE_FIREREDTTS2_SRC"):
    sys.path.insert(0, os.environ["FIRESIDE_FIREREDTTS2_SRC"])

try:
    import torch
    from fireredtts2.codec.decoder import AcousticDecoder
    from fireredtts2.codec.model import RedCodec, RedCodecInfer, UpConv
    from fireredtts2.codec.rvq import ResidualVQ

    MISSING = None
except ImportError as err:
    MISSING = f"needs torch and upstream's fireredtts2 package ({err}); CI cannot fetch upstream, so this runs where it is installed"

DEVICE = os.environ.get("FIRESIDE_TEST_DEVICE", "cpu")
VOCAB = 80


def build_codec():
    torch.manual_seed(5)
    w = 64
    rvq = ResidualVQ(input_dim=2 * w, rvq_dim=w, output_dim=w, num_quantizers=16, codebook_size=VOCAB, codebook_dim=8)
    up = UpConv(embed_dim=w, stride=4)
    decoder = AcousticDecoder(embed_dim=w, num_layers=2, num_heads=4, hop_length=240, causal=True)
    return RedCodecInfer(RedCodec(None, None, None, None, rvq, up, None, decoder)).to(DEVICE).eval()


def frames(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(1, VOCAB, (n, 16), generator=g).to(DEVICE)


def upstream_audio(codec, codes):
    """Upstream's streaming decode of one stream, chunk by chunk."""
    cache, out = {}, []
    for k in range(codes.size(0)):
        chunk, cache = codec.decode_one_token(codes[k].view(1, 16, 1), cache, last_token=k == codes.size(0) - 1)
        out.append(chunk.reshape(-1))
    return out


class Check(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if MISSING:
            raise unittest.SkipTest(MISSING)
        cls.codec = build_codec()

    def assertSameAudio(self, got, expected, what):
        self.assertEqual([g.numel() for g in got], [e.numel() for e in expected], f"{what}: chunk sizes")
        for i, (g, e) in enumerate(zip(got, expected)):
            self.assertTrue(torch.allclose(g, e, atol=1e-4, rtol=1e-4), f"{what}: chunk {i} differs by {(g - e).abs().max().item()}")


class MatchesUpstreamDecode(Check):
    def test_each_slot_decodes_like_upstream_with_staggered_starts_and_skipped_frames(self):
        from fireside_tts_worker.codec_streams import CodecStreams

        with torch.inference_mode():
            cs = CodecStreams(self.codec, slots=4, max_frames=20)
            # (slot, first step, frames, frames skipped before its audio starts)
            plan = {"a": (0, 0, 8, 0), "b": (2, 2, 6, 2), "c": (1, 3, 3, 0)}
            codes = {name: frames(n, i) for i, (name, (_, _, n, _)) in enumerate(plan.items())}
            pieces = {name: [] for name in plan}
            for step in range(10):
                batch = torch.full((4, 16), 7, dtype=torch.long, device=DEVICE)  # idle slots decode garbage
                active = torch.zeros(4, dtype=torch.bool, device=DEVICE)
                for name, (slot, start, n, skip) in plan.items():
                    if step == start:
                        cs.reset(slot)
                    k = step - start
                    if 0 <= k < n:
                        batch[slot] = codes[name][k]
                        active[slot] = k >= skip
                first = cs.first.clone()
                cs.decode(4, batch, active)
                for name, (slot, start, n, skip) in plan.items():
                    k = step - start
                    if skip <= k < n:
                        row = cs.audio[slot]
                        pieces[name].append(row[cs.first_trim if first[slot] else 0 : cs.chunk].clone())
                        if k == n - 1:  # the stream's last frame also plays its tail
                            pieces[name][-1] = torch.cat([pieces[name][-1], row[cs.chunk :]])
            for name, (_, _, n, skip) in plan.items():
                self.assertSameAudio(pieces[name], upstream_audio(self.codec, codes[name][skip:]), f"stream {name}")
            self.assertEqual(pieces["a"][0].numel(), 1920 - 360)  # a first chunk is shorter, as upstream's

    def test_a_reused_slot_starts_clean(self):
        from fireside_tts_worker.codec_streams import CodecStreams

        with torch.inference_mode():
            cs = CodecStreams(self.codec, slots=1, max_frames=20)
            for codes in (frames(5, 11), frames(4, 12)):
                cs.reset(0)
                got = []
                for k in range(codes.size(0)):
                    first = bool(cs.first[0])
                    cs.decode(1, codes[k : k + 1], torch.ones(1, dtype=torch.bool, device=DEVICE))
                    got.append(cs.audio[0, cs.first_trim if first else 0 : cs.chunk].clone())
                got[-1] = torch.cat([got[-1], cs.audio[0, cs.chunk :]])
                self.assertSameAudio(got, upstream_audio(self.codec, codes), "second stream in a reused slot")


class EngineDecodesItsFrames(Check):
    """The frame engine with the codec inside its step (and its CUDA graphs on a GPU): each stream's
    audio is upstream's decode of that stream's codes, whoever shares the step."""

    def test_audio_of_every_stream_matches_upstreams_decode_of_its_codes(self):
        from fireside_tts_worker.frame_engine import FrameEngine
        from tests.test_frame_engine import build_model, prompt

        engine = FrameEngine(build_model(), max_streams=4, max_sequence=512, codec=self.codec, max_frames=16)
        trim, chunk = engine.codec.first_trim, engine.codec.chunk
        skip = {"a": 0, "b": 2}  # b joins two frames late and, like a monologue, does not play its first two
        codes = {"a": [], "b": []}
        pieces = {"a": [], "b": []}
        slots = {"a": engine.start(*prompt(30, 1), 0.9, 20, seed=1)}
        for step in range(8):
            if step == 2:
                slots["b"] = engine.start(*prompt(45, 2), 0.9, 20, seed=2, skip=skip["b"])
            made = engine.step()
            for name, slot in slots.items():
                codes[name].append(made[slot])
                if len(codes[name]) > skip[name]:
                    audio = engine.audio(slot)
                    pieces[name].append(audio[0 if pieces[name] else trim : chunk].clone())
        for name, slot in slots.items():
            pieces[name][-1] = torch.cat([pieces[name][-1], engine.audio(slot)[chunk:]])  # the last frame's tail
            expected = upstream_audio(self.codec, torch.stack(codes[name][skip[name] :]).to(DEVICE))
            self.assertSameAudio([p.to(DEVICE) for p in pieces[name]], expected, f"stream {name}")


if __name__ == "__main__":
    unittest.main()
