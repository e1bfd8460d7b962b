"""The incident catalog: what a drill breaks, where, why, and how a learner is helped.

Each incident is built for the running stack (its web instances, store members and current
leader) with the drill's seeded random generator, so a seed replays the same incident on the
same targets. Most come from the scenario library (`based_on`); a few combine a real cause
with a red herring, the way incidents rarely come alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from chaos.controller.faults import FaultRequest
from chaos.drills.causes import CAUSES, Difficulty
from chaos.scenarios.model import Probe

# Long enough to never end on its own during a drill; the drill reverts them at its end.
FAULT_SECONDS = 900.0


@dataclass(frozen=True)
class Topology:
    """The stack as the drill found it when it started."""

    webs: list[str]
    stores: list[str]
    leader: str | None

    @property
    def followers(self) -> list[str]:
        return [s for s in self.stores if s != self.leader]


@dataclass(frozen=True)
class Incident:
    name: str
    title: str
    difficulty: Difficulty
    cause: str
    components: list[str]  # accepted answers; the first is the one the postmortem names
    faults: list[FaultRequest]
    steady_state: list[Probe]
    hints: list[str]  # from vague to nearly the answer
    root_cause: str
    mitigation: str  # what a responder can do with the remediation commands
    lessons: list[str]
    action_items: list[str]
    based_on: str | None = None  # the library scenario it comes from
    # Remediation moves (action, component) after which the drill reverts its own faults,
    # for causes no command can undo (a cut network comes back when the node is rebooted).
    fixed_by: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.cause not in CAUSES:
            raise ValueError(f"unknown cause {self.cause!r}")


def _fault(kind: str, target: str, **params) -> FaultRequest:
    return FaultRequest(type=kind, target=target, params=params, duration=FAULT_SECONDS)


def _errors() -> Probe:
    return Probe(name="web error ratio", query='job:http_errors:ratio_rate15s{job="web"}',
                 below=0.01)


def _leader() -> Probe:
    return Probe(name="store has a leader", query="job:etcd_has_leader:min", equals=1)


def _capacity(top: Topology) -> Probe:
    # "All instances in rotation" as a count, so adding capacity is also a valid mitigation.
    return Probe(name="web capacity in rotation", query="job:haproxy_backend_active_servers:sum",
                 above=len(top.webs) - 1)


def _web_p99() -> Probe:
    return Probe(name="web p99 latency",
                 query='job:http_request_duration_seconds:p99_15s{job="web"}', below=0.25)


def _client_p99() -> Probe:
    return Probe(name="client p99 latency", query="job:loadgen_request_duration_seconds:p99_15s",
                 below=0.25)


def _client_errors() -> Probe:
    return Probe(name="client error ratio", query="job:loadgen_errors:ratio_rate15s",
                 below=0.02, when_missing="pass")


def _edge_errors() -> Probe:
    return Probe(name="edge error ratio", query="job:haproxy_frontend_http_errors:ratio_rate15s",
                 below=0.01)


Builder = Callable[[Topology, random.Random], Incident]


def crashed_web(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="crashed-web", title="A web instance is down", difficulty="easy",
        cause="process-crash", components=[web], based_on="web-instance-crash",
        faults=[_fault("kill", web, stay_down=True)],
        steady_state=[_capacity(top), _errors()],
        hints=["Count the web instances HAProxy sends traffic to.",
               "`gameday status`: is every web instance running?",
               f"{web} is not running and nothing brings it back."],
        root_cause=f"{web} died (SIGKILL) and its supervisor did not restart it.",
        mitigation=f"`gameday restart {web}` (or add capacity with `gameday scale web=N`).",
        lessons=["Redundancy hid the crash from users; only capacity dropped.",
                 "A dead instance is the easy case: health checks fail fast."],
        action_items=["Page on lost capacity (LbServerDown) before the next one dies.",
                      "Make sure the supervisor restarts crashed processes."],
    )


def bad_deploy(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="bad-deploy", title="A bad release on one instance", difficulty="easy",
        cause="bad-deploy", components=[web], based_on="bad-deploy",
        faults=[_fault("bad-deploy", web, release="2.0.0-rc1", routes=["GET /kv/{key}"])],
        steady_state=[_errors()],
        hints=["Split the error ratio by instance.",
               "Compare web_build_info across the instances.",
               f"{web} runs a release the others do not."],
        root_cause=f"{web} was restarted into release 2.0.0-rc1, which fails every "
                   "GET /kv/{key} but passes its health check.",
        mitigation=f"`gameday rollback {web}` (or `gameday drain {web}`).",
        lessons=["Health checks test liveness, not correctness.",
                 "The release label on web_build_info pointed straight at the culprit."],
        action_items=["Canary new releases and compare their error ratio before rolling on.",
                      "Add a readiness check that exercises a real read."],
    )


def noisy_neighbour(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="noisy-neighbour", title="One instance burns CPU", difficulty="easy",
        cause="cpu-saturation", components=[web], based_on="noisy-neighbour",
        faults=[_fault("cpu-burn", web, cores=1, share=1.0)],
        steady_state=[Probe(name="web CPU per instance",
                            query='max(instance:process_cpu:rate15s{job="web"})', below=0.6),
                      _errors()],
        hints=["Look at saturation, not errors.",
               "instance:process_cpu:rate15s, per instance.",
               f"{web} uses a whole core for the same traffic as its peers."],
        root_cause=f"Busy threads inside {web} burn a full core, starving its event loop.",
        mitigation=f"`gameday restart {web}` (the burn lives in the process).",
        lessons=["Saturation shows before latency does.",
                 "On a shared host one busy process slows its neighbours too."],
        action_items=["Alert on per-instance CPU well above the tier's average.",
                      "Set CPU limits per instance."],
    )


def hung_web(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="hung-web", title="A web instance hangs", difficulty="medium",
        cause="hung-process", components=[web], based_on="hung-instance",
        faults=[_fault("pause", web)],
        steady_state=[_capacity(top), _errors()],
        hints=["One instance looks alive but is it answering?",
               "`gameday status`: running is not the same as healthy.",
               f"{web} runs, holds its sockets open, and answers nothing."],
        root_cause=f"{web} is frozen: the process exists and keeps its sockets open, but "
                   "nothing answers (its scrape and health checks time out).",
        mitigation=f"`gameday restart {web}`.",
        lessons=["A hung process is worse than a dead one: requests wait instead of failing.",
                 "Process state said running; only the health check told the truth."],
        action_items=["Add a liveness check that restarts instances failing /healthz.",
                      "Keep timeouts on every hop short enough to fail over."],
    )


def memory_leak(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="memory-leak", title="Memory grows on one instance", difficulty="medium",
        cause="memory-leak", components=[web], based_on="memory-leak-oom",
        # Capped below the instance's memory limit, so the leak stays until someone acts
        # instead of ending in an OOM kill that would "fix" it by itself.
        faults=[_fault("memory-leak", web, mb_per_s=4, cap_mb=120)],
        steady_state=[Probe(name="web memory per instance",
                            query='max(instance:process_resident_memory_bytes:max{job="web"})',
                            below=150e6), _errors()],
        hints=["Users are fine; look at resources.",
               "instance:process_resident_memory_bytes:max, per instance.",
               f"{web} keeps growing its memory."],
        root_cause=f"{web} leaks memory: its RSS climbs steadily with the same traffic.",
        mitigation=f"`gameday restart {web}` (the leaked memory goes with the process).",
        lessons=["A leak is a slow crash; restarting hides it until the next time.",
                 "Memory charts need a per-instance view to show one bad instance."],
        action_items=["Alert on RSS growth rate, not only on the limit.",
                      "Capture a heap profile before restarting a leaking instance."],
    )


def slow_store_path(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="slow-store-path", title="One instance talks slowly to the store",
        difficulty="medium", cause="slow-network", components=[web],
        based_on="slow-store-link",
        faults=[_fault("latency", web, to="store", ms=300, jitter_ms=20)],
        steady_state=[_web_p99(), _errors()],
        hints=["Latency, not errors: split it by instance.",
               "instance:store_request_duration_seconds:p99_15s.",
               f"Only {web}'s calls to the store are slow."],
        root_cause=f"The network path from {web} to every store member adds 300 ms.",
        mitigation=f"`gameday drain {web}` until its network is fixed.",
        lessons=["A dependency's latency adds straight to user latency.",
                 "One slow instance is enough to break the tier's p99."],
        action_items=["Alert on per-instance store latency.",
                      "Let the load balancer prefer faster backends (least-latency)."],
    )


def flapping_web(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="flapping-web", title="An instance goes in and out of rotation", difficulty="medium",
        cause="flapping", components=[web], based_on="flapping-instance",
        faults=[_fault("loss", web, to="lb", probability=0.5)],
        steady_state=[_edge_errors(), _client_errors()],
        hints=["Errors at the edge or the client, not on web itself.",
               "haproxy_server_status{state=\"UP\"} over time, per server.",
               f"HAProxy keeps marking {web} DOWN and UP again."],
        root_cause=f"Half the connections between the load balancer and {web} are reset, so "
                   "its health checks pass and fail in turns and requests on it fail.",
        mitigation=f"`gameday drain {web}` until its network is fixed.",
        lessons=["Web's own SLI cannot see errors that never reach it.",
                 "A flapping member churns the pool; taking it out is calmer."],
        action_items=["Alert on LbServerDown flapping (changes per minute).",
                      "Widen the health check's rise count for flapping servers."],
    )


def quorum_loss(top: Topology, rng: random.Random) -> Incident:
    down = sorted(rng.sample(top.stores, 2))
    return Incident(
        name="quorum-loss", title="The store lost its majority", difficulty="medium",
        cause="quorum-loss", components=down, based_on="store-quorum-loss",
        faults=[_fault("stop", name) for name in down],
        steady_state=[_leader(), _errors()],
        hints=["The store is refusing work.", "How many store members are running?",
               f"{' and '.join(down)} are down: one member cannot make a majority."],
        root_cause=f"{' and '.join(down)} stopped, leaving one of three etcd members: no "
                   "leader can be elected and every write fails.",
        mitigation=f"`gameday restart {down[0]}` (one more member restores the majority).",
        lessons=["Raft needs a majority; two of three down is a full outage.",
                 "Failing clearly (fast 503s) beat accepting writes that could be lost."],
        action_items=["Page on StoreNoLeader at once.",
                      "Spread store members across failure domains."],
    )


def slow_edge_link(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="slow-edge-link", title="One slow link among many", difficulty="hard",
        cause="slow-network", components=[web], based_on="slow-store-link",
        faults=[_fault("latency", web, to="lb", ms=300, jitter_ms=20)],
        steady_state=[_client_p99(), _errors()],
        hints=["Clients see it; the web servers' own latency does not.",
               "HAProxy times each server's responses.",
               f"The link between the load balancer and {web} is slow."],
        root_cause=f"The network link between the load balancer and {web} adds 300 ms; "
                   "web's own timings cannot see it.",
        mitigation=f"`gameday drain {web}` until the link is fixed.",
        lessons=["Server-side latency misses the network in front of the server.",
                 "Client-side and load-balancer metrics are the other half of the picture."],
        action_items=["Alert on per-server response time at the load balancer.",
                      "Chart client-side p99 next to server-side p99."],
    )


def partial_partition(top: Topology, rng: random.Random) -> Incident:
    web = rng.choice(top.webs)
    return Incident(
        name="partial-partition", title="One instance cannot reach the store",
        difficulty="hard", cause="network-partition", components=[web],
        faults=[_fault("partition", web, to="store")],
        steady_state=[_capacity(top), _errors()],
        hints=["Capacity dropped though every process runs.",
               "Which instance fails its readiness check, and why?",
               f"{web} cannot reach any store member."],
        root_cause=f"{web} is cut off from every store member; its readiness check fails, so "
                   "HAProxy takes it out of rotation.",
        mitigation="Add capacity (`gameday scale web=N`) until the network is fixed.",
        lessons=["Readiness checks that test dependencies take a partitioned instance out.",
                 "Out of rotation is not down: the process looked fine."],
        action_items=["Alert on instances failing readiness for longer than a minute.",
                      "Log the reason a readiness check fails."],
    )


def leader_isolated(top: Topology, rng: random.Random) -> Incident:
    leader = top.leader or rng.choice(top.stores)
    return Incident(
        name="leader-isolated", title="The store leader is cut off", difficulty="hard",
        cause="leader-isolated", components=[leader], based_on="store-leader-isolated",
        faults=[_fault("partition", leader)],
        steady_state=[_leader(), _errors()],
        hints=["Look at the store's view of leadership.",
               "etcd_server_has_leader per member.",
               f"{leader} was the leader and can reach no one."],
        root_cause=f"Every network link of {leader}, the store leader, was cut; the others "
                   "elected a new leader while it lost touch.",
        mitigation=f"`gameday restart {leader}` (the drill treats a reboot as bringing its "
                   "network back).",
        lessons=["The majority carried on: Raft did its job.",
                 "An isolated member reports no leader; the cluster as a whole still has one."],
        action_items=["Alert on a member without a leader for longer than an election.",
                      "Make the web tier fail over from an unreachable member faster."],
        fixed_by=[("restart", leader)],
    )


def disk_full(top: Topology, rng: random.Random) -> Incident:
    member = top.leader or rng.choice(top.stores)
    return Incident(
        name="disk-full", title="The store is full", difficulty="hard",
        cause="disk-full", components=[member, *[s for s in top.stores if s != member]],
        based_on="store-disk-full",
        faults=[_fault("disk-fill", member)],
        steady_state=[_errors(), _leader()],
        hints=["Reads work; writes do not.", "instance:etcd_db_quota_used:ratio.",
               "etcd raised its NOSPACE alarm."],
        root_cause="etcd's database reached its backend quota and raised the cluster-wide "
                   "NOSPACE alarm: every write is refused.",
        mitigation="`gameday store defrag`, then `gameday store disarm`.",
        lessons=["The alarm is sticky: freeing space is not enough, it must be disarmed.",
                 "Degrading to read-only beat corrupting data."],
        action_items=["Alert at 80% of the quota (StoreQuotaNearlyFull).",
                      "Compact history automatically."],
    )


def bad_deploy_with_noise(top: Topology, rng: random.Random) -> Incident:
    web, noisy = rng.sample(top.webs, 2)
    return Incident(
        name="bad-deploy-with-noise", title="A bad release, and a busy neighbour",
        difficulty="hard", cause="bad-deploy", components=[web], based_on="bad-deploy",
        faults=[_fault("bad-deploy", web, release="2.0.0-rc1", routes=["GET /kv/{key}"]),
                _fault("cpu-burn", noisy, cores=1, share=0.3)],
        steady_state=[_errors()],
        hints=["Not everything unusual is the cause: which signal breaks the SLO?",
               "Split the error ratio by instance, then compare releases.",
               f"{web} runs a release the others do not."],
        root_cause=f"{web} was restarted into the broken release 2.0.0-rc1. {noisy} using more "
                   "CPU than usual was a red herring: it hurt no user.",
        mitigation=f"`gameday rollback {web}`.",
        lessons=["Start from the symptom users feel, then follow it down.",
                 "A busy instance that breaks no SLO is not the incident."],
        action_items=["Canary new releases.", "Document which dashboards show user impact."],
    )


def hung_web_with_noise(top: Topology, rng: random.Random) -> Incident:
    web, noisy = rng.sample(top.webs, 2)
    return Incident(
        name="hung-web-with-noise", title="A hung instance, and a slow one", difficulty="hard",
        cause="hung-process", components=[web], based_on="hung-instance",
        faults=[_fault("pause", web),
                _fault("http-latency", noisy, ms=30, jitter_ms=10, probability=0.5)],
        steady_state=[_capacity(top), _errors()],
        hints=["Something lost capacity; something else is merely slower.",
               "Which instance fails its health checks?",
               f"{web} runs but answers nothing."],
        root_cause=f"{web} froze (alive, sockets open, no answers). The extra latency on "
                   f"{noisy} was a red herring within the SLO.",
        mitigation=f"`gameday restart {web}`.",
        lessons=["Running is not healthy.", "A slower instance within the SLO is noise."],
        action_items=["Restart instances that fail /healthz for a while.",
                      "Keep timeouts short on every hop."],
    )


CATALOG: dict[str, Builder] = {
    b.__name__.replace("_", "-"): b
    for b in (crashed_web, bad_deploy, noisy_neighbour, hung_web, memory_leak, slow_store_path,
              flapping_web, quorum_loss, slow_edge_link, partial_partition, leader_isolated,
              disk_full, bad_deploy_with_noise, hung_web_with_noise)
}

# The difficulty of each incident, known without building it (for picking by difficulty).
_EXAMPLE = Topology(webs=["web-1", "web-2", "web-3"], stores=["store-1", "store-2", "store-3"],
                    leader="store-1")
DIFFICULTY_OF: dict[str, str] = {
    name: build(_EXAMPLE, random.Random(0)).difficulty for name, build in CATALOG.items()
}


def pick(difficulty: str, top: Topology, rng: random.Random) -> Incident:
    """A seeded choice among the incidents of one difficulty, built for this stack."""
    names = sorted(n for n, d in DIFFICULTY_OF.items() if d == difficulty)
    return CATALOG[rng.choice(names)](top, rng)
