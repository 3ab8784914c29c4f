/**
 * Reads float32 tensors from a PyTorch checkpoint in the legacy (pre-1.6, non-zip) format, so
 * the speaker encoder's weights load in Node without Python or torch.
 *
 * The format is four pickles (magic number, protocol version, system info, the object graph)
 * followed by a pickle listing storage keys and then each storage's raw bytes (an int64 element
 * count, then the elements). Tensors in the graph refer to storages by key through persistent ids.
 * Only the pickle opcodes torch.save emits at protocol 2 are understood; anything else is a
 * typed error, never a guess.
 */

export class CheckpointFormatError extends Error {
  override name = "CheckpointFormatError";
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

interface StorageRef {
  kind: "storage";
  key: string;
  dtype: string;
}

interface TensorRef {
  kind: "tensor";
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

interface Global {
  kind: "global";
  name: string;
}

type Value = unknown;

class PickleReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.pos;
  }

  /** Runs one pickle to its STOP opcode and returns the result. */
  load(): Value {
    const stack: Value[] = [];
    const marks: number[] = [];
    const memo = new Map<number, Value>();
    const popMark = (): Value[] => {
      const at = marks.pop();
      if (at === undefined) throw new CheckpointFormatError("pickle: MARK missing");
      return stack.splice(at);
    };
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          this.u8();
          break;
        case 0x2e: // STOP
          return stack.pop();
        case 0x28: // MARK
          marks.push(stack.length);
          break;
        case 0x7d: // EMPTY_DICT
          stack.push(new Map<Value, Value>());
          break;
        case 0x5d: // EMPTY_LIST
          stack.push([]);
          break;
        case 0x29: // EMPTY_TUPLE
          stack.push([]);
          break;
        case 0x4e: // NONE
          stack.push(null);
          break;
        case 0x88: // NEWTRUE
          stack.push(true);
          break;
        case 0x89: // NEWFALSE
          stack.push(false);
          break;
        case 0x4b: // BININT1
          stack.push(this.u8());
          break;
        case 0x4d: // BININT2
          stack.push(this.buf.readUInt16LE(this.take(2)));
          break;
        case 0x4a: // BININT
          stack.push(this.buf.readInt32LE(this.take(4)));
          break;
        case 0x8a: {
          // LONG1: little-endian two's complement of n bytes
          const n = this.u8();
          const at = this.take(n);
          let v = 0n;
          for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[at + i]!);
          if (n > 0 && this.buf[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
          stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
          break;
        }
        case 0x47: // BINFLOAT (big-endian double)
          stack.push(this.buf.readDoubleBE(this.take(8)));
          break;
        case 0x58: {
          // BINUNICODE
          const n = this.buf.readUInt32LE(this.take(4));
          stack.push(this.buf.toString("utf8", this.take(n), this.pos));
          break;
        }
        case 0x55: {
          // SHORT_BINSTRING
          const n = this.u8();
          stack.push(this.buf.toString("latin1", this.take(n), this.pos));
          break;
        }
        case 0x54: {
          // BINSTRING
          const n = this.buf.readInt32LE(this.take(4));
          stack.push(this.buf.toString("latin1", this.take(n), this.pos));
          break;
        }
        case 0x71: // BINPUT
          memo.set(this.u8(), stack[stack.length - 1]);
          break;
        case 0x72: // LONG_BINPUT
          memo.set(this.buf.readUInt32LE(this.take(4)), stack[stack.length - 1]);
          break;
        case 0x68: // BINGET
          stack.push(memo.get(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          stack.push(memo.get(this.buf.readUInt32LE(this.take(4))));
          break;
        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = this.line();
          const name = this.line();
          stack.push({ kind: "global", name: `${module}.${name}` } satisfies Global);
          break;
        }
        case 0x74: // TUPLE
          stack.push(popMark());
          break;
        case 0x85: // TUPLE1
          stack.push(stack.splice(-1));
          break;
        case 0x86: // TUPLE2
          stack.push(stack.splice(-2));
          break;
        case 0x87: // TUPLE3
          stack.push(stack.splice(-3));
          break;
        case 0x61: {
          // APPEND
          const v = stack.pop();
          (stack[stack.length - 1] as Value[]).push(v);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = popMark();
          (stack[stack.length - 1] as Value[]).push(...items);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = stack.pop();
          const k = stack.pop();
          (stack[stack.length - 1] as Map<Value, Value>).set(k, v);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = popMark();
          const dict = stack[stack.length - 1] as Map<Value, Value>;
          for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
          break;
        }
        case 0x51: {
          // BINPERSID: ("storage", storage_type, key, location, size[, view_metadata])
          const pid = stack.pop() as Value[];
          if (!Array.isArray(pid) || pid[0] !== "storage") throw new CheckpointFormatError("pickle: unknown persistent id");
          const type = (pid[1] as Global).name;
          stack.push({ kind: "storage", key: String(pid[2]), dtype: type } satisfies StorageRef);
          break;
        }
        case 0x52: {
          // REDUCE
          const args = stack.pop() as Value[];
          const fn = stack.pop() as Global;
          stack.push(this.reduce(fn, args));
          break;
        }
        case 0x62: // BUILD: state for an object we model as a plain value; ignore it
          stack.pop();
          break;
        default:
          throw new CheckpointFormatError(`pickle: unsupported opcode 0x${op.toString(16)} at byte ${this.pos - 1}`);
      }
    }
  }

  private reduce(fn: Global, args: Value[]): Value {
    switch (fn.name) {
      case "collections.OrderedDict":
        return new Map<Value, Value>();
      case "torch._utils._rebuild_tensor_v2":
      case "torch._utils._rebuild_tensor": {
        const [storage, offset, shape, stride] = args as [StorageRef, number, number[], number[]];
        return { kind: "tensor", storage, offset, shape, stride } satisfies TensorRef;
      }
      case "torch._utils._rebuild_parameter":
        return args[0];
      default:
        throw new CheckpointFormatError(`pickle: cannot rebuild ${fn.name}`);
    }
  }

  private u8(): number {
    if (this.pos >= this.buf.length) throw new CheckpointFormatError("checkpoint truncated");
    return this.buf[this.pos++]!;
  }

  private take(n: number): number {
    const at = this.pos;
    this.pos += n;
    if (this.pos > this.buf.length) throw new CheckpointFormatError("checkpoint truncated");
    return at;
  }

  private line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) throw new CheckpointFormatError("checkpoint truncated");
    const s = this.buf.toString("latin1", this.pos, end);
    this.pos = end + 1;
    return s;
  }
}

/**
 * Returns every float32 tensor reachable from `path` through the checkpoint's dictionaries, keyed
 * by its dotted path (a checkpoint `{"model_state": {"lstm.weight_ih_l0": …}}` gives
 * `model_state.lstm.weight_ih_l0`).
 */
export function readLegacyCheckpoint(buf: Buffer): Map<string, Tensor> {
  const reader = new PickleReader(buf);
  const magic = reader.load();
  if (magic !== LEGACY_MAGIC && BigInt(magic as number) !== LEGACY_MAGIC) {
    throw new CheckpointFormatError("not a legacy PyTorch checkpoint (zip checkpoints are not supported)");
  }
  reader.load(); // protocol version
  reader.load(); // system info
  const graph = reader.load();
  const keys = reader.load() as string[];
  const storages = new Map<string, Float32Array>();
  let pos = reader.offset;
  for (const key of keys) {
    if (pos + 8 > buf.length) throw new CheckpointFormatError("checkpoint truncated in storage data");
    const count = Number(buf.readBigInt64LE(pos));
    pos += 8;
    if (pos + count * 4 > buf.length) throw new CheckpointFormatError("checkpoint truncated in storage data");
    // Copy: the buffer's offset need not be 4-byte aligned.
    storages.set(key, new Float32Array(buf.buffer.slice(buf.byteOffset + pos, buf.byteOffset + pos + count * 4)));
    pos += count * 4;
  }

  const out = new Map<string, Tensor>();
  const walk = (value: Value, prefix: string) => {
    if (value instanceof Map) {
      for (const [k, v] of value) walk(v, prefix ? `${prefix}.${String(k)}` : String(k));
    } else if (value && typeof value === "object" && (value as TensorRef).kind === "tensor") {
      const t = value as TensorRef;
      if (t.storage.dtype !== "torch.FloatStorage") return;
      const storage = storages.get(t.storage.key);
      if (!storage) throw new CheckpointFormatError(`tensor ${prefix}: storage ${t.storage.key} missing`);
      const n = t.shape.reduce((a, b) => a * b, 1);
      out.set(prefix, { shape: t.shape, data: gather(storage, t, n) });
    }
  };
  walk(graph, "");
  return out;
}

/** Materialises a possibly strided view as a contiguous row-major array. */
function gather(storage: Float32Array, t: TensorRef, n: number): Float32Array {
  const contiguous = t.stride.every((s, i) => s === t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  if (contiguous) return storage.slice(t.offset, t.offset + n);
  const out = new Float32Array(n);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let src = t.offset;
    for (let d = 0; d < index.length; d++) src += index[d]! * t.stride[d]!;
    out[i] = storage[src]!;
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d]! < t.shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}
