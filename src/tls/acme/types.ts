// Shapes shared by the ACME module and the code that wires it in.

export interface DomainSet {
  main: string;
  sans: string[];
}

export interface ManagedCertificate {
  resolver: string;
  domains: DomainSet;
  /** Leaf first, then the chain, as the CA sent it. */
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

export interface WantedCertificate {
  resolver: string;
  domains: DomainSet;
}

/** What the manager knows about one domain set of one resolver (for an API page or tests). */
export interface DomainSetStatus {
  resolver: string;
  domains: DomainSet;
  /** valid: held and outside the renew window; renewing/obtaining: an order runs or waits; failed: last order failed; invalid: cannot be ordered (config). */
  state: "valid" | "obtaining" | "renewing" | "failed" | "invalid";
  notAfter?: Date;
  /** Orders started for this set since the process started. */
  orders: number;
  /** Failures in a row (0 after a success). */
  failures: number;
  nextAttemptAt?: Date;
  lastError?: string;
}
