/**
 * tsbgp's native YAML configuration (its shape is documented in schema.ts) into the same model as the
 * ExaBGP syntax. Errors name the file, the line (the valibot issue path is looked up in the YAML document
 * with `parseDocument` + LineCounter) and the field, e.g.
 * "bgp.yaml:7: neighbors[0].holdTime: expects a number 0 or 3..65535, got 2".
 */
import { type Document, isMap, isNode, LineCounter, type Node, parseDocument } from "yaml";
import * as v from "valibot";
import { parseFamily } from "../bgp/family.ts";
import { ConfigError } from "./error.ts";
import {
  ADD_PATH_MODES,
  type ApiConfig,
  type Config,
  defaultApi,
  defaultFamilies,
  defaultNeighbor,
  defaultSubscription,
  type MessageSubscription,
  type NeighborConfig,
  type ProcessConfig,
} from "./model.ts";
import { ConfigSchema, type YamlNeighbor, type YamlProcess } from "./schema.ts";
import { parseRouteSpec, RouteError } from "./route.ts";
import { tokenize } from "./tokenizer.ts";
import { shellWords, ShellWordsError } from "./shell_words.ts";
import { addPrefixLimit, parseMaximumPrefix } from "./maximum_prefix.ts";

type Key = string | number;

/** Locates document paths: the line of a value, or of its key, or of the nearest enclosing node. */
class Locator {
  constructor(readonly doc: Document, readonly lines: LineCounter) {}

  line(path: readonly Key[]): number {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        // An unknown or missing key: point at the key itself when the parent map has it.
        if (n < path.length && isMap(node)) {
          const pair = node.items.find((p) =>
            isNode(p.key) && (p.key as { value?: unknown }).value === path[n]
          );
          if (pair && isNode(pair.key) && pair.key.range) return this.at(pair.key.range[0]);
        }
        return this.at((node as Node).range![0]);
      }
    }
    return 1;
  }

  at(offset: number): number {
    return Math.max(1, this.lines.linePos(offset).line);
  }
}

function pathText(path: readonly Key[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** A readable message for one valibot issue (unions report their own message). */
function issueMessage(issue: v.BaseIssue<unknown>): string {
  if (issue.kind === "schema" && issue.expected === "never") return "is not a known field";
  if (issue.received === "undefined") return "is required, got nothing";
  if (issue.message.startsWith("Invalid type")) return `expects ${issue.expected}, got ${issue.received}`;
  return issue.message;
}

function subscription(names: readonly (keyof MessageSubscription)[]): MessageSubscription {
  const sub = defaultSubscription();
  for (const n of names) sub[n] = true;
  return sub;
}

function familyKeyOf(name: string): number {
  const [afi, safi] = name.trim().split(/\s+/);
  return parseFamily(afi, safi)!;
}

function toProcess(
  p: YamlProcess,
  file: string,
  line: number,
  fail: (detail: string) => never,
): ProcessConfig {
  let run: string[];
  try {
    run = typeof p.run === "string" ? shellWords(p.run) : [...p.run];
  } catch (e) {
    if (e instanceof ShellWordsError) fail(`run: ${e.message}`);
    throw e;
  }
  return { name: p.name, run, encoder: p.encoder, respawn: p.respawn, source: { file, line } };
}

function toNeighbor(y: YamlNeighbor, index: number, file: string, loc: Locator): NeighborConfig {
  const base: Key[] = ["neighbors", index];
  const nb = defaultNeighbor(y.name ?? y.peerAddress, { file, line: loc.line(base) });
  const {
    capability,
    api,
    routes,
    families,
    addPathFamilies,
    nexthopFamilies,
    maximumPrefix,
    name: _name,
    ...scalars
  } = y;
  Object.assign(nb, scalars);
  (maximumPrefix ?? []).forEach((text, i) => {
    try {
      addPrefixLimit(nb.maximumPrefix, parseMaximumPrefix(text.trim().split(/\s+/)));
    } catch (e) {
      const path = [...base, "maximumPrefix", i];
      throw new ConfigError(file, loc.line(path), `${pathText(path)}: ${(e as Error).message}`);
    }
  });
  if (capability) {
    const { addPath, gracefulRestart, ...flags } = capability;
    Object.assign(nb.capability, flags);
    if (addPath !== undefined) nb.capability.addPath = ADD_PATH_MODES[addPath];
    if (gracefulRestart !== undefined) {
      nb.capability.gracefulRestart = gracefulRestart === true ? nb.holdTime : gracefulRestart;
    }
  }
  nb.api = (api ?? []).map((a, i): ApiConfig => ({
    ...defaultApi({ file, line: loc.line([...base, "api", i]) }, a.name ?? ""),
    processes: a.processes,
    processesMatch: a.processesMatch,
    neighborChanges: a.neighborChanges,
    negotiated: a.negotiated,
    fsm: a.fsm,
    signal: a.signal,
    receive: subscription(a.receive),
    send: subscription(a.send),
  }));
  (routes ?? []).forEach((text, i) => {
    const line = loc.line([...base, "routes", i]);
    try {
      const spec = parseRouteSpec(tokenize(text));
      if (spec.kind === "unsupported") {
        nb.unsupported.push({ family: spec.family, text, source: { file, line } });
      } else nb.routes.push(...spec.routes);
    } catch (e) {
      if (e instanceof RouteError) {
        throw new ConfigError(file, line, `${pathText([...base, "routes", i])}: ${e.message}`);
      }
      throw e;
    }
  });
  nb.families = families ? [...new Set(families.map(familyKeyOf))] : defaultFamilies(nb);
  nb.addPathFamilies = (addPathFamilies ?? []).map(familyKeyOf);
  nb.nexthopFamilies = (nexthopFamilies ?? []).map((s) => {
    const [afi, safi, nh] = s.trim().split(/\s+/);
    return { family: parseFamily(afi, safi)!, nextHopAfi: nh === "ipv6" ? 2 : 1 };
  });
  return nb;
}

/** Parses a native YAML configuration. Throws ConfigError ("FILE:LINE: field: what was expected"). */
export function parseYamlConfig(text: string, file: string): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const loc = new Locator(doc, lines);
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ConfigError(file, loc.at(e.pos[0]), `invalid YAML: ${e.message.split("\n")[0]}`);
  }
  const data = doc.toJS() ?? {};
  const result = v.safeParse(ConfigSchema, data);
  if (!result.success) {
    const issue = result.issues[0];
    const path: Key[] = (issue.path ?? []).map((p) => p.key as Key);
    const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : "";
    const field = path.length ? `${pathText(path)}: ` : "";
    throw new ConfigError(file, loc.line(path), `${field}${issueMessage(issue)}${more}`);
  }
  const names = new Set<string>();
  const processes = result.output.processes.map((p, i) => {
    const line = loc.line(["processes", i]);
    if (names.has(p.name)) {
      throw new ConfigError(file, line, `processes[${i}].name: process '${p.name}' is defined twice`);
    }
    names.add(p.name);
    return toProcess(p, file, line, (detail) => {
      throw new ConfigError(file, line, `processes[${i}].${detail}`);
    });
  });
  const neighbors = result.output.neighbors.map((n, i) => toNeighbor(n, i, file, loc));
  return { files: [file], processes, neighbors, warnings: [] };
}
