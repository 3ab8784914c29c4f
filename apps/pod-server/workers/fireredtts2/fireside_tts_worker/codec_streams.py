"""FireRedTTS2's streaming codec decoder for many streams at once, with static per-slot state.

Upstream's `RedCodecInfer.decode_one_token` turns one 16-code frame of one stream into audio; its
state (convolution tails, the acoustic transformer's keys and values, the iSTFT overlap) is a dict
of tensors that grows by concatenation every frame. Run per stream, it costs a few hundred small
kernel launches per stream per frame: on an H100 the codec, not the LLM, limited how many streams
kept real time. Here every slot's state lives in preallocated tensors (the keys and values up to
`max_frames`), so one call decodes the frame of every slot, and `FrameEngine` captures it in the
same CUDA graph as the frame that produced the codes.

Per slot the output matches upstream's chunk for chunk: a stream's first frame is decoded as
upstream decodes it without a cache (a zero state is the same for every convolution; the iSTFT's
first chunk is normalised by its own envelope and starts `first_trim` samples later), and each
frame's audio is written with its tail, which upstream emits only after the last frame.
"""
import torch
import torch.nn.functional as F


class CodecStreams:
    def __init__(self, codec, slots: int, max_frames: int = 400):
        self.codec = codec
        ad = codec.acoustic_decoder
        self.bb, self.head = ad.backbone, ad.isift
        istft = self.head.istft
        p = next(ad.parameters())
        self.device, self.dtype = p.device, p.dtype
        self.slots = slots
        self.hop, self.win, self.n_fft = istft.hop_length, istft.win_length, istft.n_fft
        self.overlap = self.win // self.hop - 1  # iSTFT frames carried to the next chunk
        # 12.5 Hz codes -> upsample (×stride) -> transposed convolution (×2): positions per frame
        self.positions = codec.upsample.stride * 2
        self.first_trim = (self.win - self.hop) // 2  # upstream's "same" padding on the first chunk
        self.chunk = self.positions * self.hop  # samples a frame adds (1920 = 80 ms at 24 kHz)
        self.samples = self.chunk + self.first_trim  # with the tail a last frame also emits
        attn = self.bb.transformers[0].self_attn
        self.heads, self.head_dim = attn.num_heads, attn.head_dim
        self.max_positions = (max_frames + 1) * self.positions
        B, C, dev, dt = slots, ad.embed_dim, self.device, self.dtype
        layers = len(self.bb.transformers)
        with torch.inference_mode():
            self.k = torch.zeros(layers, B, self.heads, self.max_positions, self.head_dim, device=dev, dtype=dt)
            self.v = torch.zeros_like(self.k)
            self.length = torch.zeros(B, dtype=torch.long, device=dev)
            self.first = torch.ones(B, dtype=torch.bool, device=dev)
            self.up_cache = torch.zeros(B, C, 3, device=dev, dtype=dt)  # 1 + 2 frames of the two transposed convolutions
            self.in_cache = torch.zeros(B, C, self.bb.in_proj.causal_padding[0], device=dev, dtype=dt)
            self.blocks = [*self.bb.prior_net, *self.bb.post_net]
            self.block_caches = [torch.zeros(B, b.in_channels + b.out_channels, 2, device=dev, dtype=dt) for b in self.blocks]
            self.is_cache = torch.zeros(B, self.n_fft, self.overlap, device=dev, dtype=dt)
            self.audio = torch.zeros(B, self.samples, device=dev, dtype=dt)
            self._lengths = torch.ones(B, dtype=torch.long, device=dev)
            self._keys = torch.arange(self.max_positions, device=dev)
            self._steps = torch.arange(self.positions, device=dev)
            frames = self.positions + self.overlap
            self._out_size = (frames - 1) * self.hop + self.win
            self._env_cont = self._envelope(frames, 0)
            self._env_first = self._envelope(frames, self.overlap).clamp_min(1e-30)  # 0 where only the cache reaches: cut away

    def _envelope(self, frames: int, skip: int):
        w = self.head.istft.window.square().view(1, -1, 1).expand(1, -1, frames).clone()
        w[..., :skip] = 0
        return F.fold(w, output_size=(1, self._out_size), kernel_size=(1, self.win), stride=(1, self.hop))[0, 0, 0]

    def reset(self, slot: int) -> None:
        """A new stream in `slot`: a cleared state, as upstream starts with no cache."""
        with torch.inference_mode():
            self.length[slot] = 0
            self.first[slot] = True
            for cache in (self.up_cache, self.in_cache, self.is_cache, *self.block_caches):
                cache[slot].zero_()

    def decode(self, n: int, codes, active) -> None:
        """Decodes slots [0, n): codes (n, 16); only `active` rows (n,) advance their state.
        Writes self.audio[:n]: a row's frame is audio[first_trim if first else 0 : chunk], and
        audio[chunk:] is the tail to play after a stream's last frame."""
        c = self.codec
        ad = c.acoustic_decoder
        feats = c.rvq.decode_codes(codes.t().unsqueeze(-1)).transpose(1, 2)  # (n, 1, D)
        x, _ = c.upsample(feats, self._lengths[:n])
        x, up = ad.forward_upsample_conv_chunk(x.transpose(1, 2), self.up_cache[:n])  # (n, C, P)
        x, inp = self.bb.in_proj.forward_chunk(x, self.in_cache[:n])
        new_blocks = []
        x, cache = self.blocks[0].forward_chunk(x, self.block_caches[0][:n])
        new_blocks.append(cache)
        x, cache = self.blocks[1].forward_chunk(x, self.block_caches[1][:n])
        new_blocks.append(cache)
        x = self._transformers(n, x.transpose(1, 2)).transpose(1, 2)
        x, cache = self.blocks[2].forward_chunk(x, self.block_caches[2][:n])
        new_blocks.append(cache)
        x, cache = self.blocks[3].forward_chunk(x, self.block_caches[3][:n])
        new_blocks.append(cache)
        x = self.bb.final_norm(x.transpose(1, 2))
        audio, iscache = self._istft(n, x)
        self.audio[:n] = audio
        keep = active.view(n, 1, 1)
        for cache, new in ((self.up_cache, up), (self.in_cache, inp), (self.is_cache, iscache), *zip(self.block_caches, new_blocks)):
            cache[:n] = torch.where(keep, new, cache[:n])
        self.length[:n] += self.positions * active.long()
        self.first[:n] &= ~active

    def _transformers(self, n: int, x):
        """The acoustic decoder's transformer over each slot's static keys and values: a frame's
        positions attend to all of that slot's earlier positions and to each other (no mask within
        a chunk, no positional encoding: as upstream's forward_chunk)."""
        P = self.positions
        rows = torch.arange(n, device=self.device).unsqueeze(1)
        at = (self.length[:n].unsqueeze(1) + self._steps).clamp_max(self.max_positions - 1)  # (n, P)
        mask = (self._keys.unsqueeze(0) < (self.length[:n] + P).unsqueeze(1)).view(n, 1, 1, -1)
        for li, layer in enumerate(self.bb.transformers):
            attn = layer.self_attn
            h = layer.self_attn_layer_norm(x)
            q = attn._shape(attn.q_proj(h), P, n)
            self.k[li][rows, :, at] = attn.k_proj(h).view(n, P, self.heads, self.head_dim)
            self.v[li][rows, :, at] = attn.v_proj(h).view(n, P, self.heads, self.head_dim)
            out = F.scaled_dot_product_attention(q, self.k[li, :n], self.v[li, :n], attn_mask=mask)
            x = x + attn.out_proj(out.transpose(1, 2).reshape(n, P, -1))
            h = layer.final_layer_norm(x)
            x = x + layer.fc2(F.gelu(layer.fc1(h)))
        return x

    def _istft(self, n: int, x):
        """upstream ISTFTHead.forward_chunk, every row with its carried frames (zeros on a first
        frame) and a first frame normalised by its own envelope."""
        pred = self.head.out(x).transpose(1, 2)
        mag, phase = pred.chunk(2, dim=1)
        mag = torch.exp(mag).clip(max=1e2)
        spec = mag * (torch.cos(phase) + 1j * torch.sin(phase))
        frames = torch.fft.irfft(spec, self.n_fft, dim=1, norm="backward") * self.head.istft.window[None, :, None]
        frames = torch.cat([self.is_cache[:n], frames], dim=-1)
        y = F.fold(frames, output_size=(1, self._out_size), kernel_size=(1, self.win), stride=(1, self.hop))[:, 0, 0, :]
        env = torch.where(self.first[:n].unsqueeze(1), self._env_first, self._env_cont)
        start = self.win - self.hop  # where the carried frames' samples end
        y = (y / env)[:, start : start + self.samples]
        return y, frames[..., -self.overlap :]
