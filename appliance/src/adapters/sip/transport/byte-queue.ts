/**
 * A FIFO of bytes with amortised O(1) append, so a stream fed one byte at a time
 * does not copy its whole backlog on every chunk. Offsets are relative to the head.
 */
export class ByteQueue {
  private store: Buffer;
  private head = 0;
  private tail = 0;

  constructor(private readonly initialCapacity = 4096) {
    this.store = Buffer.allocUnsafe(initialCapacity);
  }

  get length(): number {
    return this.tail - this.head;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const len = this.length;
    if (this.tail + chunk.length > this.store.length) {
      if (len + chunk.length <= this.store.length) {
        this.store.copy(this.store, 0, this.head, this.tail);
      } else {
        const next = Buffer.allocUnsafe(Math.max(len + chunk.length, this.store.length * 2));
        this.store.copy(next, 0, this.head, this.tail);
        this.store = next;
      }
      this.head = 0;
      this.tail = len;
    }
    this.store.set(chunk, this.tail);
    this.tail += chunk.length;
  }

  /** Byte at `offset` from the head; the caller checks `offset < length`. */
  at(offset: number): number {
    return this.store[this.head + offset] as number;
  }

  /** Offset of `needle` at or after `from`, or -1. */
  indexOf(needle: string | number | Uint8Array, from = 0): number {
    return this.view().indexOf(needle, from);
  }

  /** A view (not a copy) of `[from, to)`; valid until the next append or consume. */
  view(from = 0, to = this.length): Buffer {
    return this.store.subarray(this.head + from, this.head + to);
  }

  consume(n: number): void {
    this.head = Math.min(this.head + n, this.tail);
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      // Give back memory after a burst of large chunks.
      if (this.store.length > 16 * this.initialCapacity) this.store = Buffer.allocUnsafe(this.initialCapacity);
    }
  }

  clear(): void {
    this.consume(this.length);
  }
}
