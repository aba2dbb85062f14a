/**
 * The session skeleton every interop test shares (tests/interop/*.test.ts): one temp dir, a free port on
 * the daemon's address and one on tsbgp's, tsbgp started from a configuration written there, both processes
 * stopped (by PID) and the dir removed after the file, and the steps whose logic does not depend on the
 * daemon (tsbgp's view of the session, its Adj-RIB-In, its clean exit).
 *
 * - `InteropSession`: that skeleton, for any daemon (FRR and GoBGP drive their daemon themselves);
 * - `RouteSession` + `RoutePeer`: for the daemons tested on one table of routes each way (BIRD, ExaBGP,
 *   OpenBGPD), whose file describes the daemon (how to start it, how to see tsbgp's routes in it) and calls
 *   the shared steps: start with tsbgp connecting, routes both ways, daemon restart, tsbgp listening.
 */
import { after, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, isListening, type RibLine, sections, Tsbgp } from "./interop.ts";
import {
  describeRoute,
  missingFromRib,
  type TestRoute,
  TSBGP_ADD_PATH_ROUTES,
  TSBGP_ADDRESS,
  TSBGP_ROUTES,
  tsbgpConfig,
  updatesReceived,
} from "./interop_routes.ts";
import { freePort, makeTempDir, removeTempDir } from "./sandbox.ts";

/** A daemon process as the session stops it after the file. */
export interface StoppableDaemon {
  stop(): Promise<unknown>;
}

/** The daemon's side of the session. */
export interface InteropPeer<D extends StoppableDaemon> {
  /** For messages: "BIRD", "FRR bgpd"… */
  readonly name: string;
  /** Names the temp dir. */
  readonly tempName: string;
  readonly address: string;
  readonly as: number;
  /** The daemon's output for failure messages, as titled sections ("bird.log": …). */
  output(s: InteropSession<D>): Record<string, string>;
}

/**
 * One daemon and one tsbgp for a whole test file. Construct it inside `describe` (it registers the `after`
 * that stops both), `open()` it in the first step or in `before`.
 */
export class InteropSession<D extends StoppableDaemon> {
  dir = "";
  /** The daemon's port on its address. */
  port = 0;
  /** tsbgp's listening port on 127.0.0.1 (the daemon connects there). */
  tsbgpPort = 0;
  /** tsbgp's JSON events file, for configurations using `jsonEventsProcess`. */
  events = "";
  daemon: D | undefined;
  tsbgp: Tsbgp | undefined;

  constructor(readonly peer: InteropPeer<D>) {
    after(() => this.close());
  }

  /** The temp dir and the two free ports. */
  async open(): Promise<void> {
    this.dir = makeTempDir(this.peer.tempName);
    this.events = join(this.dir, "events.json");
    this.port = await freePort(this.peer.address);
    this.tsbgpPort = await freePort(TSBGP_ADDRESS);
  }

  async close(): Promise<void> {
    await this.tsbgp?.stop("SIGKILL");
    await this.daemon?.stop();
    removeTempDir(this.dir || undefined);
  }

  /** tsbgp's output then the daemon's, for failure messages. */
  readonly context = (): string =>
    sections({ "tsbgp output": this.tsbgp?.output ?? "", ...this.peer.output(this) });

  /** Both processes of a step that needs a session; fails at once when an earlier step did not get that far. */
  running(): { tsbgp: Tsbgp; daemon: D } {
    assert.ok(this.tsbgp && this.daemon, "the session step failed");
    return { tsbgp: this.tsbgp, daemon: this.daemon };
  }

  /** tsbgp started from `config` in the temp dir (as `file`), once its control socket answers. */
  async startTsbgp(config: string, file?: string): Promise<Tsbgp> {
    this.tsbgp = new Tsbgp({ dir: this.dir, config, ...(file && { file }) });
    await this.tsbgp.ready();
    return this.tsbgp;
  }

  /** Nothing listens on the daemon's port: a session with it can only be the daemon's own connection. */
  async assertNoDaemonListener(): Promise<void> {
    const { name, address } = this.peer;
    assert.equal(
      await isListening(address, this.port),
      false,
      `${name}: expected no listener on ${address}:${this.port}`,
    );
  }

  /** Waits for tsbgp's log line saying the session went down, looking from line `from` on. */
  async waitTsbgpLogsDown(from: number, timeoutMs = 15_000): Promise<void> {
    await this.tsbgp!.speaker.waitForLine(
      new RegExp(`neighbor ${this.peer.address.replaceAll(".", "\\.")} down`),
      timeoutMs,
      from,
    );
  }

  /** Waits until tsbgp's summary no longer shows the session established (`why`: for the message). */
  async waitTsbgpNotEstablished(why: string, timeoutMs = 15_000): Promise<void> {
    const { address } = this.peer;
    await eventually({
      daemon: "tsbgp",
      expected: `neighbor ${address} no longer established ${why}`,
      command: "tsbgp cli show neighbor summary",
      observe: () => this.tsbgp!.neighbors(),
      accept: (rows) => rows.some((r) => r.peer === address && r.state !== "established"),
      show: (rows) => JSON.stringify(rows),
      timeoutMs,
      context: this.context,
    });
  }

  /** tsbgp's `UPDATEs received` counter for the daemon, -1 when the counter is not shown. */
  async updatesReceived(): Promise<number> {
    return updatesReceived(await this.tsbgp!.cli("show", "neighbor", this.peer.address, "extensive")) ?? -1;
  }

  /** tsbgp asks for `family` again (ROUTE-REFRESH); returns its UPDATE counter from just before. */
  async tsbgpRequestsRefresh(family: "ipv4 unicast" | "ipv6 unicast"): Promise<number> {
    const received = await this.updatesReceived();
    await this.tsbgp!.cli("neighbor", this.peer.address, "announce", "route-refresh", ...family.split(" "));
    return received;
  }

  /** Waits until tsbgp counts more UPDATEs from the daemon than `received` (the daemon answered). */
  async waitUpdatesReceivedAbove(received: number, timeoutMs = 15_000): Promise<void> {
    const { address } = this.peer;
    await eventually({
      daemon: "tsbgp",
      expected: `UPDATEs received to grow from ${received} after its ROUTE-REFRESH`,
      command: `tsbgp cli show neighbor ${address} extensive`,
      observe: () => this.updatesReceived(),
      accept: (n) => n > received,
      timeoutMs,
      context: this.context,
    });
  }

  /** `neighbor … teardown 2 TEXT`: Cease / Administrative Shutdown with an RFC 9003 communication. */
  async tsbgpShutsDown(text: string): Promise<void> {
    await this.tsbgp!.cli("neighbor", this.peer.address, "teardown", "2", text);
  }

  /** tsbgp stopped with SIGTERM; it must exit 0. */
  async stopTsbgpCleanly(): Promise<void> {
    const tsbgp = this.tsbgp!;
    const exit = await tsbgp.stop("SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null }, `tsbgp did not exit cleanly:\n${tsbgp.output}`);
  }

  /** The lines of tsbgp's Adj-RIB-In from the daemon for `family` whose NLRI is `nlri` (or matches it). */
  ribIn(rib: readonly RibLine[], family: string, nlri: string | RegExp): RibLine[] {
    return rib.filter((r) =>
      r.peer === this.peer.address && r.family === family &&
      (typeof nlri === "string" ? r.nlri === nlri : nlri.test(r.nlri))
    );
  }
}

/** tsbgp's routes (tsbgpConfig's default): what the daemon must receive. */
export const TSBGP_ALL_ROUTES: readonly TestRoute[] = [...TSBGP_ROUTES, ...TSBGP_ADD_PATH_ROUTES];

/** A daemon tested on one table of routes each way, with tsbgpConfig on tsbgp's side. */
export interface RoutePeer<D extends StoppableDaemon> extends InteropPeer<D> {
  /** The daemon's routes as tsbgp's Adj-RIB-In must show them. */
  readonly routes: readonly TestRoute[];
  /**
   * Starts the daemon (listening on s.port, connecting to s.tsbgpPort, its files in s.dir) and resolves
   * once it is ready; `run` counts the starts from 1.
   */
  start(s: RouteSession<D>, run: number): Promise<D>;
  /**
   * Waits until the daemon holds every route of `routes` (tsbgp's) with all its attributes; `since` is the
   * daemon's own mark of where to look from, when the step gives one.
   */
  waitTsbgpRoutes(s: RouteSession<D>, routes: readonly TestRoute[], since?: number): Promise<void>;
  /** More tsbgp's Adj-RIB-In must show than the routes themselves (in words, and the test). */
  readonly ribInAlso?: { readonly expected: string; readonly accept: (rib: RibLine[]) => boolean };
}

export class RouteSession<D extends StoppableDaemon> extends InteropSession<D> {
  #runs = 0;

  constructor(override readonly peer: RoutePeer<D>) {
    super(peer);
  }

  async startDaemon(): Promise<D> {
    this.daemon = await this.peer.start(this, ++this.#runs);
    return this.daemon;
  }

  /**
   * tsbgp with its routes, either connecting to the daemon (and not listening) or listening for it (and
   * never connecting: passive), once its control socket answers.
   */
  startTsbgpWithRoutes(transport: "connects" | "listens"): Promise<Tsbgp> {
    const { address, as } = this.peer;
    return transport === "connects"
      ? this.startTsbgp(tsbgpConfig({ peer: address, peerAs: as, connect: this.port }))
      : this.startTsbgp(
        tsbgpConfig({ peer: address, peerAs: as, connect: this.port, listen: this.tsbgpPort }),
        "tsbgp-passive.conf",
      );
  }

  /** The first step's set-up: temp dir and ports, the daemon, tsbgp connecting, the session up in tsbgp. */
  async openWithTsbgpConnecting(): Promise<void> {
    await this.open();
    await this.startDaemon();
    await this.startTsbgpWithRoutes("connects");
    await this.tsbgp!.waitState(this.peer.address, 20_000);
  }

  /** Both ways: tsbgp's routes in the daemon (all attributes), the daemon's in tsbgp's Adj-RIB-In. */
  async routesBothWays(since?: number): Promise<void> {
    const { name, address, as, routes, ribInAlso } = this.peer;
    await this.peer.waitTsbgpRoutes(this, TSBGP_ALL_ROUTES, since);
    await this.tsbgp!.waitRibIn(
      `${name}'s routes: ${routes.map((r) => describeRoute(r, as)).join("; ")}${
        ribInAlso ? `, ${ribInAlso.expected}` : ""
      }`,
      (rib) => missingFromRib(rib, routes, address, as).length === 0 && (ribInAlso?.accept(rib) ?? true),
      15_000,
      () => sections(this.peer.output(this)),
    );
  }

  /** The step every such file has after the session came up: `routesBothWays` on the running session. */
  itRoutesBothWays(): void {
    it(
      "IPv4 and IPv6 routes with AS paths, communities and large communities, both ways",
      { timeout: 40_000 },
      async () => {
        this.running();
        await this.routesBothWays();
      },
    );
  }

  /** The daemon stopped mid-session (tsbgp sees it go down) and started again; tsbgp re-establishes. */
  async restartDaemon(): Promise<D> {
    const { tsbgp, daemon } = this.running();
    const from = tsbgp.speaker.lines.length;
    await daemon.stop();
    await this.waitTsbgpLogsDown(from);
    const restarted = await this.startDaemon();
    await tsbgp.waitState(this.peer.address, 30_000);
    return restarted;
  }
}
