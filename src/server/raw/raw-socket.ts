// The socket operations the raw HTTP/1.1 front needs. Bun's TCP Socket has
// them natively (plain entrypoints, Bun.listen); NodeRawSocket provides them
// over a node:tls socket (TLS entrypoints, where the SNI callback lets
// certificates change without a new listener).

/** Events a raw socket delivers to whatever `data` holds (a Connection, or a tunnel after an upgrade). */
export interface RawSocketEvents {
  onData(chunk: Uint8Array): void;
  onDrain(): void;
  onPeerEnd?(): void;
  onTimeout?(): void;
  onClose(): void;
}

/** What a TLS connection tells about itself (for logs, metrics, passTLSClientCert). */
export interface TlsConnection {
  /** "1.2", "1.3" (Traefik's TLSVersion format). */
  readonly version: string;
  /** IANA cipher suite name, e.g. TLS_AES_128_GCM_SHA256. */
  readonly cipher: string;
  readonly servername: string;
  /** The client's certificate chain as node:tls describes it, or null when none was sent. */
  peerCertificate(): import("node:tls").DetailedPeerCertificate | null;
}

export interface RawSocket {
  /** The receiver of this socket's events; replaced when a WebSocket tunnel takes the socket over. */
  data: unknown;
  /** Bun's semantics: returns how many bytes were taken (possibly fewer, or -1); the caller queues the rest. */
  write(bytes: Uint8Array, offset?: number, length?: number): number;
  /** Half-closes after queued bytes. */
  end(): void;
  /** Closes at once. */
  terminate(): void;
  pause(): void;
  resume(): void;
  /** Inactivity timeout in seconds (0 = none). */
  timeout(seconds: number): void;
  readonly remoteAddress: string;
  /** The peer's port (0 when unknown). */
  readonly remotePort?: number;
  /** Set on TLS connections. */
  readonly tls?: TlsConnection;
}
