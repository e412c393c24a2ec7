#!/usr/bin/env python3
"""The peer of `licscope normalize --format ndjson` for Cisco Prime license info: what a user
would write with the standard library (xml.etree.ElementTree for XML, json for JSON). It
applies licscope's status rules (crates/licscope-normalize, `from_cisco_prime`) and prints the
same records, byte for byte, so that the comparison in benches/RESULTS.md is of equal work.

Usage: normalize.py AS_OF WARN_DAYS CRIT_DAYS FILE
"""
import json
import sys
import xml.etree.ElementTree as ET

FIELDS = ("daysToExpire", "deviceCountRemaining", "deviceCountUsed", "name", "status")
INTS = ("daysToExpire", "deviceCountRemaining", "deviceCountUsed")


def records_from_xml(path):
    root = ET.parse(path).getroot()
    records = []
    for dto in root.iter("licenseInfoDTO"):
        record = {}
        for field in FIELDS:
            element = dto.find(field)
            text = element.text if element is not None else None
            if text is not None and text.strip() != "":
                record[field] = int(text) if field in INTS else text
        records.append(record)
    return root.get("rootUrl"), records


def records_from_json(path):
    with open(path, "rb") as f:
        envelope = json.load(f)["mgmtResponse"]
    dtos = envelope.get("licenseInfoDTO") or []
    if isinstance(dtos, dict):
        dtos = [dtos]
    records = []
    for dto in dtos:
        record = {}
        for field in FIELDS:
            value = dto.get(field)
            if value is not None and value != "":
                record[field] = int(value) if field in INTS else value
        records.append(record)
    return envelope.get("@rootUrl"), records


def normalize(record, origin, as_of, warn, crit):
    days = record.get("daysToExpire")
    used = record.get("deviceCountUsed")
    remaining = record.get("deviceCountRemaining")
    status_text = record.get("status")
    if status_text == "NOT_LICENSED":
        status, severity = "unlicensed", "critical"
    elif status_text == "EXCEEDED" or (remaining is not None and remaining < 0):
        status, severity = "over-limit", "critical"
    elif status_text == "LICENSED" and days is not None and days <= 0:
        status, severity = "expired", "critical"
    elif status_text == "LICENSED" and days is not None:
        if days <= crit:
            status, severity = "expiring", "critical"
        elif days <= warn:
            status, severity = "expiring", "warning"
        else:
            status, severity = "active", "ok"
    else:
        status, severity = "unknown", "unknown"
    flags = []
    if remaining == 0 and used is not None and used > 0:
        flags.append("at-capacity")
        if severity == "ok":
            severity = "warning"
    if status_text is not None and status_text not in ("LICENSED", "NOT_LICENSED", "EXCEEDED"):
        flags.append("unknown-status")
    if any(record.get(f) is None for f in FIELDS):
        flags.append("missing-field")
    limit = used + remaining if used is not None and remaining is not None else None
    return {
        "source": "cisco-prime",
        "origin": origin,
        "feature": record.get("name"),
        "status": status,
        "severity": severity,
        "expires_at": None,
        "days_to_expiry": days,
        "usage": {"used": used, "remaining": remaining, "limit": limit},
        "flags": sorted(set(flags)),
        "vendor": {f: record.get(f) for f in FIELDS},
        "as_of": as_of,
    }


def main():
    as_of, warn, crit, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    reader = records_from_json if path.endswith(".json") else records_from_xml
    origin, records = reader(path)
    out = sys.stdout
    for record in records:
        out.write(json.dumps(normalize(record, origin, as_of, warn, crit),
                             ensure_ascii=False, separators=(",", ":")))
        out.write("\n")


if __name__ == "__main__":
    main()
