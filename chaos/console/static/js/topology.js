// The stack as tiers of cards, in request order: load -> lb -> web -> store, platform aside.
// A card shows the supervisor state, health, store leadership and the active faults that hit
// the component (as a target, or as the far side of a network fault), and whether it was
// drained out of rotation. Below that, each card may carry controls (remediation.js): they are
// built once per card, so a re-render every second never swaps a button under the pointer.

import { el } from "./dom.js";

const TIERS = [
  { id: "load", title: "load", roles: ["loadgen"], note: "Locust, steady traffic" },
  { id: "edge", title: "edge", roles: ["lb"], note: "HAProxy, checks /readyz every 500 ms" },
  { id: "web", title: "web", roles: ["web"], note: "FastAPI key-value API" },
  { id: "store", title: "store", roles: ["store"], note: "etcd, Raft" },
];
const PLATFORM = { id: "platform", title: "platform", note: "not in the request path" };

export class Topology {
  /** controls(component) -> a node appended to a new card once (or null). */
  constructor(root, { controls = () => null } = {}) {
    this.root = root;
    this.controls = controls;
    this.cards = new Map();
    this.rows = new Map();
    for (const tier of [...TIERS, PLATFORM]) {
      const row = el("div.tier-cards");
      this.rows.set(tier.id, row);
      this.root.append(el(`div.tier.tier-${tier.id}`, {},
        el("div.tier-label", {}, el("b", {}, tier.title), el("small", {}, tier.note)), row));
    }
  }

  tierOf(role) {
    return (TIERS.find((t) => t.roles.includes(role)) || PLATFORM).id;
  }

  /** status: GET /api/status; active: the active fault records; drained: names out of rotation. */
  render(status, active, drained = new Set()) {
    const hits = new Map();  // component -> [{fault, how}]
    for (const fault of active) {
      for (const name of fault.targets) push(hits, name, { fault, how: "target" });
      for (const name of fault.peers || []) push(hits, name, { fault, how: "peer" });
    }
    const seen = new Set();
    for (const component of status.components) {
      seen.add(component.name);
      let card = this.cards.get(component.name);
      if (!card) {
        card = el("article.card", { dataset: { name: component.name } }, el("div.card-body"),
                  this.controls(component));
        this.cards.set(component.name, card);
        this.rows.get(this.tierOf(component.role)).append(card);
      }
      fill(card, component, hits.get(component.name) || [], drained.has(component.name));
    }
    for (const [name, card] of this.cards) {
      if (!seen.has(name)) { card.remove(); this.cards.delete(name); }
    }
  }
}

function push(map, key, value) {
  if (!map.has(key)) map.set(key, []);
  map.get(key).push(value);
}

function fill(card, c, hits, drained) {
  const targeted = hits.some((h) => h.how === "target");
  card.className = `card s-${c.state} h-${c.health}`
    + (targeted ? " faulted" : hits.length ? " peer-faulted" : "")
    + (c.leader ? " leader" : "") + (drained ? " drained" : "");
  Object.assign(card.dataset, {
    state: c.state, health: c.health, faulted: String(targeted), leader: String(!!c.leader),
    drained: String(drained),
  });
  const detail = [c.pid ? `pid ${c.pid}` : "no process"];
  if (c.restarts) detail.push(`↻ ${c.restarts}`);
  if (c.held_down) detail.push("held down");
  card.title = [`${c.name} (${c.role})`, c.url, c.last_exit ? `last exit: ${c.last_exit}` : null]
    .filter(Boolean).join("\n");
  card.firstChild.replaceChildren(...[
    el("div.card-head", {},
      el("span.name", {}, c.name),
      c.leader ? el("span.tag.tag-leader", { title: "Raft leader" }, "★ leader") : null,
      drained ? el("span.tag.tag-drained", { title: "drained: HAProxy sends it no new requests (ready brings it back)" }, "drained") : null),
    el("div.card-state", {},
      el(`span.dot.s-${c.state}`), el("span.state", {}, c.state),
      el(`span.health.h-${c.health}`, {}, c.health)),
    el("div.card-detail", {}, detail.join(" · ")),
    hits.length ? el("div.card-faults", {}, hits.map(({ fault, how }) =>
      el(`span.tag.${how === "target" ? "tag-fault" : "tag-peer"}`,
        { title: `${fault.id}: ${fault.type} ${fault.target}` },
        how === "target" ? fault.type : `${fault.type} ↔ ${fault.targets.join(",")}`))) : null,
  ].filter(Boolean));
}
