// Test helper: a socket with Bun's write semantics that takes at most `budget`
// bytes per call (a short write), copying what it takes as Bun does, so tests
// can check what reaches the wire after queues, drains and reuse of buffers.

export interface ShortWriteSocket {
  /** Bytes taken per write; raise it to let a drain go through. */
  budget: number;
  /** end() was called. */
  ended: boolean;
  write(bytes: Uint8Array, offset?: number, length?: number): number;
  end(): void;
}

export function shortWriteSocket(budget: number): { socket: ShortWriteSocket; text: () => string } {
  const got: number[] = [];
  const socket: ShortWriteSocket = {
    budget,
    ended: false,
    end() {
      socket.ended = true;
    },
    write(bytes, offset = 0, length = bytes.length - offset) {
      const n = Math.min(length, socket.budget);
      for (let i = 0; i < n; i++) got.push(bytes[offset + i]!);
      return n;
    },
  };
  return { socket, text: () => Buffer.from(got).toString("latin1") };
}
