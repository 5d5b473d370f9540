#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check exmemstat --prometheus output (standard input) against the text
exposition format 0.0.4 and the Prometheus naming rules, with Debian's
python3-prometheus-client parser (run it with /usr/bin/python3).

    prom_check.py [--same-series=OTHER.prom] [SAMPLE...] < exmem.prom

Each SAMPLE ('exmem_device_up{device="dax0.0"} 1') must be in the output
with that value. With --same-series, the output must have exactly the
series (names and label sets) of OTHER.prom, whatever their values: a
change of state, health or node must not change a series' identity
(exmem_device_info, whose node label is the information, aside). Prints
what is wrong and exits 1; silent and 0 when the output is right.
"""
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

# Every family exmemstat writes: its type and the label names each of its
# samples carries (the same in every sample: a series never changes its
# identity when a value changes). Device series have the device alone;
# its node is in exmem_device_info.
FAMILIES = {
    "exmem_total_bytes": ("gauge", ()),
    "exmem_free_bytes": ("gauge", ()),
    "exmem_node_total_bytes": ("gauge", ("node",)),
    "exmem_node_free_bytes": ("gauge", ("node",)),
    "exmem_node_pinned_pages": ("gauge", ("node",)),
    "exmem_node_zswap_bytes": ("gauge", ("node",)),
    "exmem_device_info": ("gauge", ("device", "node")),
    "exmem_device_capacity_bytes": ("gauge", ("device",)),
    "exmem_device_online_bytes": ("gauge", ("device",)),
    "exmem_device_free_bytes": ("gauge", ("device",)),
    "exmem_device_pinned_pages": ("gauge", ("device",)),
    "exmem_device_errors_total": ("counter", ("device",)),
    "exmem_device_up": ("gauge", ("device",)),
    "exmem_device_health": ("gauge", ("device", "state")),
    "exmem_alloc_pages_total": ("counter", ()),
    "exmem_alloc_fallback_pages_total": ("counter", ()),
    "exmem_pin_inplace_total": ("counter", ()),
    "exmem_pin_migrated_total": ("counter", ()),
    "exmem_offline_pinned_refused_total": ("counter", ()),
    "exmem_offline_migrate_exmem_pages_total": ("counter", ()),
    "exmem_offline_migrate_other_pages_total": ("counter", ()),
    "exmem_map_refused_total": ("counter", ()),
    "exmem_zswpout_pages_total": ("counter", ()),
    "exmem_zswpout_refused_pages_total": ("counter", ()),
}
# Names without a unit: an info metric, 0/1 gauges, a state set, and
# counters of events (pins, refusals), which count themselves.
UNITLESS = {
    "exmem_device_info", "exmem_device_up", "exmem_device_health",
    "exmem_device_errors_total", "exmem_pin_inplace_total",
    "exmem_pin_migrated_total", "exmem_offline_pinned_refused_total",
    "exmem_map_refused_total",
}
UNITS = ("_bytes", "_pages", "_seconds")
HEALTH_STATES = {"ok", "degraded", "failing", "offline"}
DEVICE_FAMILIES = [f for f, (_, labels) in FAMILIES.items()
                   if labels and labels[0] == "device"]

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{{LABEL}(?:,{LABEL})*\}})? (\S+)$")
HELP = re.compile(rf"^# HELP ({NAME}) (\S.*)$")
TYPE = re.compile(rf"^# TYPE ({NAME}) (\S+)$")

errors = []


def check_text(text):
    """The line grammar, and HELP then TYPE once before each family's
    samples, which are contiguous. Returns {family: type}."""
    types, done, current, helped = {}, set(), None, set()
    if not text.endswith("\n"):
        errors.append("the output does not end with a newline")
    for no, line in enumerate(text.splitlines(), 1):
        where = f"line {no}: {line!r}"
        if m := HELP.match(line):
            name = m.group(1)
            if name in helped or name in done or name == current:
                errors.append(f"{where}: a second HELP for {name}")
            helped.add(name)
            if current:
                done.add(current)
            current = None
        elif m := TYPE.match(line):
            name, typ = m.groups()
            if name not in helped:
                errors.append(f"{where}: TYPE without HELP before it")
            if name in types:
                errors.append(f"{where}: a second TYPE for {name}")
            types[name] = typ
            current = name
        elif m := SAMPLE.match(line):
            if m.group(1) != current:
                errors.append(f"{where}: not a sample of the family "
                              f"whose HELP and TYPE come last ({current})")
            try:
                value = float(m.group(2))
            except ValueError:
                errors.append(f"{where}: the value is not a number")
            else:
                if value != value or value in (float("inf"), float("-inf")):
                    errors.append(f"{where}: the value is not finite")
        else:
            errors.append(f"{where}: not a HELP, TYPE or sample line")
    return types


def check_names(types):
    """Naming rules: counters end in _total and only counters do; a name
    says its unit unless it has none."""
    for name, typ in types.items():
        if typ not in ("gauge", "counter"):
            errors.append(f"{name}: type {typ}, not gauge or counter")
        if (typ == "counter") != name.endswith("_total"):
            errors.append(f"{name}: a {typ} "
                          + ("without" if typ == "counter" else "with")
                          + " the _total suffix")
        base = name[:-len("_total")] if name.endswith("_total") else name
        if name not in UNITLESS and not base.endswith(UNITS):
            errors.append(f"{name}: no unit ({', '.join(UNITS)}) in the name")
        if not re.fullmatch(r"exmem_[a-z0-9_]+", name):
            errors.append(f"{name}: not exmem_ in snake case")
    if set(types) != set(FAMILIES):
        for name in sorted(set(FAMILIES) - set(types)):
            errors.append(f"{name}: family missing")
        for name in sorted(set(types) - set(FAMILIES)):
            errors.append(f"{name}: a family this check does not know")


def check_parsed(text, types):
    """What the real parser reads: the same families, types and label
    sets; the health state set; the same devices in every device family.
    Returns {(name, labels): value}."""
    samples = {}
    devices = {}
    health = {}
    for fam in text_string_to_metric_families(text):
        # The parser names a counter family without its _total.
        name = fam.name + "_total" if fam.type == "counter" else fam.name
        if name not in FAMILIES:
            errors.append(f"parser: unknown family {name} ({fam.type})")
            continue
        typ, labels = FAMILIES[name]
        if fam.type != typ or types.get(name) != typ:
            errors.append(f"parser: {name} is a {fam.type}, not a {typ}")
        devices[name] = set()
        for s in fam.samples:
            if s.name != name:
                errors.append(f"parser: sample {s.name} in family {name}")
            if tuple(sorted(s.labels)) != tuple(sorted(labels)):
                errors.append(f"{name}: labels {sorted(s.labels)}, "
                              f"not {sorted(labels)}")
            if typ == "counter" and s.value < 0:
                errors.append(f"{name}{s.labels}: a negative counter")
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in samples:
                errors.append(f"{name}{s.labels}: a second sample")
            samples[key] = s.value
            if "device" in s.labels:
                devices[name].add(s.labels["device"])
            if name == "exmem_device_health":
                health.setdefault(s.labels.get("device"), {})[
                    s.labels.get("state")] = s.value
    for dev, states in health.items():
        if set(states) != HEALTH_STATES:
            errors.append(f"exmem_device_health{{device={dev!r}}}: states "
                          f"{sorted(states)}, not {sorted(HEALTH_STATES)}")
        if set(states.values()) - {0.0, 1.0} or sum(states.values()) > 1:
            errors.append(f"exmem_device_health{{device={dev!r}}}: not one "
                          f"state at 1 and the others at 0: {states}")
    seen = [devices.get(f, set()) for f in DEVICE_FAMILIES
            if f != "exmem_device_health"]
    if any(d != seen[0] for d in seen):
        errors.append(f"device families name different devices: {seen}")
    if not set(health) <= (seen[0] if seen else set()):
        errors.append("exmem_device_health names a device the others do not")
    return samples


def series(samples):
    """The identities of @samples; exmem_device_info by its device only."""
    keys = set()
    for name, labels in samples:
        if name == "exmem_device_info":
            labels = tuple(kv for kv in labels if kv[0] == "device")
        keys.add((name, labels))
    return keys


def check_same_series(samples, other):
    mine, theirs = series(samples), series(other)
    for name, labels in sorted(mine - theirs):
        errors.append(f"a series the other output lacks: {name}{dict(labels)}")
    for name, labels in sorted(theirs - mine):
        errors.append(f"a series missing here: {name}{dict(labels)}")


def check_expected(samples, expected):
    for want in expected:
        fams = list(text_string_to_metric_families(want + "\n"))
        for s in (s for f in fams for s in f.samples):
            key = (s.name, tuple(sorted(s.labels.items())))
            if key not in samples:
                errors.append(f"no sample {want}")
            elif samples[key] != s.value:
                errors.append(f"{want}: the value is {samples[key]:g}")


def main():
    text = sys.stdin.read()
    types = check_text(text)
    check_names(types)
    try:
        samples = check_parsed(text, types)
    except ValueError as e:
        errors.append(f"parser: {e}")
        samples = {}
    args = sys.argv[1:]
    if args and args[0].startswith("--same-series="):
        with open(args.pop(0).split("=", 1)[1]) as f:
            other = f.read()
        saved = len(errors)
        other_samples = check_parsed(other, check_text(other))
        if len(errors) != saved:
            errors.insert(saved, "the --same-series output is not valid:")
        check_same_series(samples, other_samples)
    check_expected(samples, args)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
