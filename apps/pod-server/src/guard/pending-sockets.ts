/**
 * Sockets that have connected but not yet completed session.hello hold no session slot; they are
 * counted here instead, per client address and in all, so silent sockets from one address (or
 * many) cannot exhaust the server. Each is closed by the hello deadline (transport/realtime-sockets.ts).
 */
export class PendingSockets {
  private readonly byAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perAddress: number,
    private readonly max: number,
  ) {}

  /** A release function, or why the socket is refused. */
  admit(address: string): (() => void) | "address" | "total" {
    const n = this.byAddress.get(address) ?? 0;
    if (n >= this.perAddress) return "address";
    if (this.total >= this.max) return "total";
    this.byAddress.set(address, n + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    };
  }

  get count(): number {
    return this.total;
  }
}
