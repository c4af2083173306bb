// A DNS provider publishes and removes the TXT records of DNS-01 challenges.

export interface TxtRecordHandle {
  fqdn: string;
  value: string;
  /** Provider data needed to delete exactly this record. */
  ref: unknown;
}

export interface DnsProvider {
  readonly name: string;
  /** Creates the TXT record `fqdn` (no trailing dot) with `value`. */
  present(fqdn: string, value: string): Promise<TxtRecordHandle>;
  /** Deletes one record created by present(); other values on the same name stay. */
  cleanup(handle: TxtRecordHandle): Promise<void>;
  /** DNS servers (host or host:port) that answer for the zone of `fqdn`, for the propagation check. */
  authoritativeServers(fqdn: string): Promise<string[]>;
}
