/**
 * The listen address, checked before the server makes anything: a busy port must end the start with one line that
 * says what to do, not with a stack trace after the database folder has been created.
 */
import { createServer } from 'node:net';

/** One line for a failed listen (EADDRINUSE, EACCES, EADDRNOTAVAIL, ...), naming the address and the fix. */
export function describeListenError(err: unknown, port: number, host: string): string {
  const code = err instanceof Error && 'code' in err ? String(err.code) : undefined;
  const where = `${host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (another sync server?): stop it, or set PORT to a free port`;
    case 'EACCES':
      return `not allowed to listen on ${where} (ports below 1024 need privileges): set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine: set HOST (127.0.0.1, 0.0.0.0 or one of its addresses)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} does not resolve: set HOST to an address of this machine`;
    default:
      return `cannot listen on ${where}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Binds `host:port` for a moment and lets it go: null when the server will be able to listen there, else the one
 * line to print. Port 0 (any free port) always works. Another process can still take the port in between; main.ts
 * undoes what it made when the real listen fails.
 */
export function checkListenAddress(port: number, host: string): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err) => resolve(describeListenError(err, port, host)));
    // exclusive: in a cluster worker, do not share a handle with the primary (the check would always pass).
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}
