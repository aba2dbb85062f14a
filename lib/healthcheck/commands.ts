/**
 * The text API lines the healthcheck writes for a state, one per service address, as ExaBGP 5.0's helper
 * writes them:
 *
 *   neighbor * announce route <ip> next-hop <nh|self> med <metric> [local-preference <p>]
 *     [community [ … ]] [extended-community [ … ]] [large-community [ … ]] [as-path [ … ]]
 *     [path-information <id>]
 *   neighbor * withdraw route <ip> next-hop <nh|self> [path-information <id>]
 *
 * The metric is the state's (`--up-metric`, `--down-metric`, `--disabled-metric`) for the first address
 * and grows by `--increase` for each next one. EXIT always withdraws; DOWN and DISABLED withdraw with
 * `--withdraw-on-down`. Two deliberate differences from ExaBGP 5.0's code, both its bugs: with
 * `--neighbor` the selector is `neighbor A, neighbor B` (5.0 prefixes it to `neighbor *`, a line no
 * parser accepts), and the per-state `--up/down/disabled-as-path` is used (5.0 computes it, then prints
 * `--as-path`).
 */
import type { HealthcheckOptions } from "./options.ts";
import type { AnnouncedState } from "./state.ts";

export type AdvertOptions = Pick<
  HealthcheckOptions,
  | "nextHop"
  | "localPreference"
  | "upMetric"
  | "downMetric"
  | "disabledMetric"
  | "increase"
  | "community"
  | "extendedCommunity"
  | "largeCommunity"
  | "disabledCommunity"
  | "asPath"
  | "upAsPath"
  | "downAsPath"
  | "disabledAsPath"
  | "withdrawOnDown"
  | "pathId"
  | "neighbors"
>;

/** Per announced state: its first metric, its AS path and its community. */
const STATE_ATTRIBUTES: Readonly<
  Record<AnnouncedState, (o: AdvertOptions) => { metric: number; asPath?: string; community?: string }>
> = {
  UP: (o) => ({ metric: o.upMetric, asPath: o.upAsPath ?? o.asPath, community: o.community }),
  // ExaBGP tests `--disabled-community` for truth: an empty one falls back to `--community`.
  DOWN: (o) => ({
    metric: o.downMetric,
    asPath: o.downAsPath ?? o.asPath,
    community: o.disabledCommunity || o.community,
  }),
  DISABLED: (o) => ({
    metric: o.disabledMetric,
    asPath: o.disabledAsPath ?? o.asPath,
    community: o.disabledCommunity || o.community,
  }),
  EXIT: (o) => ({ metric: 0, asPath: o.asPath, community: o.community }),
};

/** Whether `target` withdraws the routes rather than announcing them. */
export function withdraws(target: AnnouncedState, o: Pick<AdvertOptions, "withdrawOnDown">): boolean {
  return target === "EXIT" || (o.withdrawOnDown && target !== "UP");
}

/** `neighbor *`, or the `--neighbor` addresses as one selector. */
function selector(o: AdvertOptions): string {
  return o.neighbors.length === 0 ? "neighbor *" : o.neighbors.map((n) => `neighbor ${n}`).join(", ");
}

/** The attributes after `next-hop` of an announce (the order ExaBGP writes them in). */
function attributes(o: AdvertOptions, metric: number, asPath?: string, community?: string): string {
  const parts = [`med ${metric}`];
  if (o.localPreference >= 0) parts.push(`local-preference ${o.localPreference}`);
  if (community) parts.push(`community [ ${community} ]`);
  if (o.extendedCommunity) parts.push(`extended-community [ ${o.extendedCommunity} ]`);
  if (o.largeCommunity) parts.push(`large-community [ ${o.largeCommunity} ]`);
  if (asPath) parts.push(`as-path [ ${asPath} ]`);
  return parts.join(" ");
}

/** The lines for `target`, one per address of `ips` (already in `--start-ip` order). */
export function commandLines(target: AnnouncedState, o: AdvertOptions, ips: readonly string[]): string[] {
  const { metric, asPath, community } = STATE_ATTRIBUTES[target](o);
  const withdraw = withdraws(target, o);
  const head = `${selector(o)} ${withdraw ? "withdraw" : "announce"}`;
  const nextHop = o.nextHop ?? "self";
  // ExaBGP tests the path ID for truth: 0 means none.
  const pathId = o.pathId ? ` path-information ${o.pathId}` : "";
  return ips.map((ip, i) => {
    const attrs = withdraw ? "" : ` ${attributes(o, metric + i * o.increase, asPath, community)}`;
    return `${head} route ${ip} next-hop ${nextHop}${attrs}${pathId}`;
  });
}
