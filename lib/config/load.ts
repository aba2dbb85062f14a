/**
 * Loading configuration files (the parser chosen by extension) and the semantic checks that need the whole
 * configuration. File reading is injected so that this module stays runtime-agnostic.
 */
import { isIPv4, isIPv6 } from "../bgp/ip.ts";
import { parseExabgpConfig } from "./exabgp.ts";
import { md5KeyBytes } from "./md5_key.ts";
import { at, type Config, type NeighborConfig } from "./model.ts";
import { parseYamlConfig } from "./yaml.ts";

export type ReadTextFile = (path: string) => Promise<string>;

/** .yaml/.yml → the native YAML syntax; anything else → ExaBGP's syntax. */
export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/** Parses one configuration text by the syntax its file name implies. Throws ConfigError. */
export function parseConfigText(
  text: string,
  path: string,
  env: Readonly<Record<string, string>> = {},
): Config {
  return isYamlPath(path) ? parseYamlConfig(text, path) : parseExabgpConfig(text, path, env);
}

/**
 * Reads and parses every file and merges them into one Config (processes and neighbors concatenated, in
 * order). A speaker that rotates between files on reload (ExaBGP's multi-file mode) calls this with one
 * path at a time. Throws ConfigError on syntax errors; run validateConfig for the semantic checks.
 */
export async function loadConfig(
  paths: readonly string[],
  env: Readonly<Record<string, string>>,
  readTextFile: ReadTextFile,
): Promise<Config> {
  const merged: Config = { files: [], processes: [], neighbors: [], warnings: [] };
  for (const path of paths) {
    const config = parseConfigText(await readTextFile(path), path, env);
    merged.files.push(...config.files);
    merged.processes.push(...config.processes);
    merged.neighbors.push(...config.neighbors);
    merged.warnings.push(...config.warnings);
  }
  return merged;
}

/** Bytes of the neighbor's TCP-MD5 key; 0 when it cannot be decoded (reported separately). */
function md5KeyLength(nb: NeighborConfig): number {
  try {
    return md5KeyBytes(nb)?.byteLength ?? 0;
  } catch {
    return 0;
  }
}

/** RFC 4648 base64, as md5-base64 requires. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Semantic checks of a parsed configuration; each problem is one "FILE:LINE: message". An empty list means
 * the configuration can run.
 */
export function validateConfig(config: Config): string[] {
  const problems: string[] = [];
  const processes = new Map<string, string>();
  for (const p of config.processes) {
    const seen = processes.get(p.name);
    if (seen) problems.push(`${at(p.source)}: process '${p.name}' is already defined at ${seen}`);
    else processes.set(p.name, at(p.source));
  }
  const sessions = new Map<string, string>();
  for (const nb of config.neighbors) {
    const where = at(nb.source);
    const who = `neighbor ${nb.name}`;
    // AS 0 is reserved (RFC 7607), so 0 also stands for "not configured".
    if (nb.localAs === 0) problems.push(`${where}: ${who} has no 'local-as'`);
    if (nb.peerAs === 0) problems.push(`${where}: ${who} has no 'peer-as'`);
    // The BGP identifier is an IPv4 address (RFC 4271 §4.2): it cannot be derived from an IPv6 session.
    if (nb.routerId === undefined) {
      const local = nb.localAddress === "auto" ? undefined : nb.localAddress;
      if (isIPv6(nb.peerAddress) || (local !== undefined && !isIPv4(local))) {
        problems.push(`${where}: ${who} is an IPv6 session and needs a 'router-id'`);
      }
    }
    if (nb.localAddress !== "auto" && isIPv4(nb.localAddress) !== isIPv4(nb.peerAddress)) {
      problems.push(
        `${where}: ${who}: local-address ${nb.localAddress} and peer ${nb.peerAddress} are not of the same family`,
      );
    }
    if (nb.md5Base64 === true && nb.md5Password !== undefined && !BASE64.test(nb.md5Password)) {
      problems.push(`${where}: ${who}: md5-password is not base64 although md5-base64 is true`);
    }
    // TCP_MD5SIG_MAXKEYLEN (linux/tcp.h): the kernel refuses a longer key.
    const keyBytes = nb.md5Password === undefined ? 0 : md5KeyLength(nb);
    if (keyBytes > 80) {
      problems.push(`${where}: ${who}: md5-password is ${keyBytes} bytes, at most 80 are allowed`);
    }
    // The limit counts the Adj-RIB-In, which `adj-rib-in false` does not keep.
    if (nb.maximumPrefix.length > 0 && !nb.adjRibIn) {
      problems.push(`${where}: ${who}: maximum-prefix needs adj-rib-in true (the default)`);
    }
    for (const api of nb.api) {
      for (const name of api.processes) {
        if (!processes.has(name)) {
          const known = [...processes.keys()];
          problems.push(
            `${at(api.source)}: ${who}: api names an undefined process '${name}'${
              known.length ? ` (defined: ${known.join(", ")})` : ""
            }`,
          );
        }
      }
    }
    // add-path / nexthop entries for families not offered are ignored, as ExaBGP does (etc/api-open.conf).
    const key = `${nb.name}|${nb.localAddress}|${nb.peerAs}|${nb.localAs}`;
    const seen = sessions.get(key);
    if (seen) problems.push(`${where}: ${who} is already defined at ${seen}`);
    else sessions.set(key, where);
  }
  return problems;
}
