import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The channel migration 0012's triggers notify on. */
const CHANNEL = 'fm_changes';
/** A sync not heard back within this long: the connection is taken for dead and opened again. */
const SYNC_TIMEOUT_MS = 5_000;
/** With no sync for this long, one is sent anyway, so a connection that died quietly is noticed. */
const HEARTBEAT_MS = 10_000;
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 30_000;

interface Sync {
  n: number;
  done: Promise<void>;
  resolve: () => void;
}

function newSync(n: number): Sync {
  let resolve!: () => void;
  const done = new Promise<void>((res) => {
    resolve = res;
  });
  return { n, done, resolve };
}

/**
 * PostgreSQL: the writes to credentials and freezer memberships, whoever committed them (this instance,
 * another one, the CLI, a script), heard on one LISTEN connection per database handle (the NOTIFYs of
 * migration 0012's triggers). It lets an instance keep credentials and co-members in process, as on SQLite:
 *
 * - `version()` changes whenever notifications may have been missed (the connection started over), and is
 *   NaN while nothing is listening, so a cache keyed by it serves nothing then.
 * - `settle()` resolves once every change committed before the call has been heard: the feed notifies
 *   itself and waits for that notification, which PostgreSQL delivers after every one committed before it.
 *   The pool's connections call it after each commit (see openPostgresPool), so the instance that revoked a
 *   token refuses it from its very next request; another instance hears it a moment later.
 *
 * It connects on the first `start()`, and again after a failure, with a growing pause (up to 30 s). A
 * connection counts as listening once it has heard a notification it sent itself.
 */
export class ChangeFeed {
  readonly #url: string;
  readonly #nonce = randomBytes(6).toString('hex');
  readonly #credentials: Array<(userId: number) => void> = [];
  readonly #memberships: Array<() => void> = [];
  #client: pg.Client | undefined;
  #started = false;
  #closed = false;
  #listening = false;
  #epoch = 0;
  #reconnectDelay = RECONNECT_FIRST_MS;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #syncs = 0;
  /** Sent and not heard yet. */
  #inFlight: Sync | undefined;
  #inFlightTimer: NodeJS.Timeout | undefined;
  /** Asked for while another was in flight: sent once that one is heard. */
  #next: Sync | undefined;
  #lastSync = 0;
  /** Resolves when the connection being opened hears its own first notification. */
  #probe: (() => void) | undefined;
  readonly #onError: (err: unknown) => void;

  constructor(url: string, onError: (err: unknown) => void = () => undefined) {
    this.#url = url;
    this.#onError = onError;
  }

  /** Starts listening (once; later calls do nothing). */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#heartbeat = setInterval(() => {
      if (this.#listening && Date.now() - this.#lastSync >= HEARTBEAT_MS) void this.settle();
    }, HEARTBEAT_MS).unref();
    void this.#connect();
  }

  onCredentials(callback: (userId: number) => void): void {
    this.#credentials.push(callback);
  }

  onMemberships(callback: () => void): void {
    this.#memberships.push(callback);
  }

  /** Changes whenever notifications may have been missed; NaN while not listening. */
  readonly version = (): number => (this.#listening ? this.#epoch : Number.NaN);

  /** Resolves once every change committed before the call has been heard, or at once when not listening (see above). */
  settle(): Promise<void> {
    if (!this.#listening) return Promise.resolve();
    if (!this.#inFlight) {
      this.#inFlight = newSync(++this.#syncs);
      this.#send(this.#inFlight);
      return this.#inFlight.done;
    }
    // The one in flight may have been sent before the caller's commit: the caller needs the next one.
    this.#next ??= newSync(++this.#syncs);
    return this.#next.done;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#down();
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, application_name: 'freezer-manager change feed', keepAlive: true });
    this.#client = client;
    client.on('notification', (message) => {
      if (client === this.#client && message.channel === CHANNEL) this.#heard(message.payload ?? '');
    });
    // An error ends the connection; 'end' follows, and with it a new connection.
    client.on('error', (err) => {
      if (!this.#closed) this.#onError(err);
    });
    client.on('end', () => {
      if (client !== this.#client) return;
      this.#down();
      this.#reconnectLater();
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      // Listening only once it has heard itself: a connection that cannot carry notifications (a PgBouncer
      // in transaction mode) is never trusted, and the instance looks everything up instead.
      const heard = new Promise<void>((resolve) => {
        this.#probe = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the change feed did not hear its own notification within ${SYNC_TIMEOUT_MS} ms`)), SYNC_TIMEOUT_MS);
      });
      try {
        await Promise.race([client.query('select pg_notify($1, $2)', [CHANNEL, `s:${this.#nonce}:probe`]).then(() => heard), timeout]);
      } finally {
        clearTimeout(timer);
        this.#probe = undefined;
      }
    } catch (err) {
      if (this.#closed) return;
      this.#onError(err);
      if (client === this.#client) {
        this.#down();
        await client.end().catch(() => undefined);
        this.#reconnectLater();
      }
      return;
    }
    if (client !== this.#client || this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#reconnectDelay = RECONNECT_FIRST_MS;
    // A new epoch: whatever was kept under the previous one may have missed a notification meanwhile.
    this.#epoch += 1;
    this.#listening = true;
  }

  #reconnectLater(): void {
    if (this.#closed) return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => void this.#connect(), this.#reconnectDelay);
    this.#reconnectTimer.unref();
    this.#reconnectDelay = Math.min(RECONNECT_MAX_MS, this.#reconnectDelay * 2);
  }

  /** Not listening any more: nothing kept is served (version NaN), and nobody waits for a sync that will not come. */
  #down(): void {
    this.#listening = false;
    this.#client = undefined;
    clearTimeout(this.#inFlightTimer);
    this.#inFlight?.resolve();
    this.#next?.resolve();
    this.#inFlight = undefined;
    this.#next = undefined;
  }

  #send(sync: Sync): void {
    const client = this.#client;
    if (!client) return sync.resolve();
    this.#lastSync = Date.now();
    this.#inFlightTimer = setTimeout(() => {
      // Not heard back: the connection is no longer to be trusted.
      if (this.#inFlight !== sync || client !== this.#client) return;
      this.#onError(new Error(`the change feed heard nothing back within ${SYNC_TIMEOUT_MS} ms; it connects again`));
      this.#down();
      void client.end().catch(() => undefined);
      this.#reconnectLater();
    }, SYNC_TIMEOUT_MS);
    this.#inFlightTimer.unref();
    client.query('select pg_notify($1, $2)', [CHANNEL, `s:${this.#nonce}:${sync.n}`]).catch((err: unknown) => {
      // The connection failed: 'end' follows, which releases the waiters.
      this.#onError(err);
    });
  }

  #heard(payload: string): void {
    const kind = payload.slice(0, 2);
    if (kind === 's:') {
      const [nonce, n] = payload.slice(2).split(':');
      if (nonce === this.#nonce && n === 'probe') return this.#probe?.();
      const sync = this.#inFlight;
      if (nonce !== this.#nonce || !sync || Number(n) !== sync.n) return;
      clearTimeout(this.#inFlightTimer);
      sync.resolve();
      this.#inFlight = this.#next;
      this.#next = undefined;
      if (this.#inFlight) this.#send(this.#inFlight);
      return;
    }
    const userId = Number(payload.slice(2));
    if (!Number.isSafeInteger(userId)) return;
    if (kind === 'c:') for (const callback of this.#credentials) callback(userId);
    else if (kind === 'm:') for (const callback of this.#memberships) callback();
  }
}
