# The peer of `licscope normalize --format ndjson` for Cisco Prime license info in JSON, as a
# jq program: licscope's status rules (crates/licscope-normalize, `from_cisco_prime`), the same
# records, byte for byte with `jq -c`. Run as
#   jq -c --arg as_of 2026-12-01T00:00:00Z --argjson warn 30 --argjson crit 7 -f normalize.jq FILE
.mgmtResponse as $m
| ($m["@rootUrl"]) as $origin
| ($m.licenseInfoDTO // [] | if type == "object" then [.] else . end)[]
| def present: if . == null or . == "" then null else . end;
  def int: present | if . == null then null else tonumber end;
  (.daysToExpire | int) as $days
| (.deviceCountUsed | int) as $used
| (.deviceCountRemaining | int) as $remaining
| (.name | present) as $name
| (.status | present) as $st
| (if $st == "NOT_LICENSED" then ["unlicensed", "critical"]
   elif $st == "EXCEEDED" or ($remaining != null and $remaining < 0) then ["over-limit", "critical"]
   elif $st == "LICENSED" and $days != null and $days <= 0 then ["expired", "critical"]
   elif $st == "LICENSED" and $days != null then
     (if $days <= $crit then ["expiring", "critical"]
      elif $days <= $warn then ["expiring", "warning"]
      else ["active", "ok"] end)
   else ["unknown", "unknown"] end) as [$status, $severity0]
| ($remaining == 0 and $used != null and $used > 0) as $full
| {
    source: "cisco-prime",
    origin: $origin,
    feature: $name,
    status: $status,
    severity: (if $full and $severity0 == "ok" then "warning" else $severity0 end),
    expires_at: null,
    days_to_expiry: $days,
    usage: {used: $used, remaining: $remaining,
            limit: (if $used != null and $remaining != null then $used + $remaining else null end)},
    flags: ([if $full then "at-capacity" else empty end,
             if $st != null and ($st | IN("LICENSED", "NOT_LICENSED", "EXCEEDED") | not)
             then "unknown-status" else empty end,
             if [$days, $remaining, $used, $name, $st] | any(. == null) then "missing-field"
             else empty end] | unique),
    vendor: {daysToExpire: $days, deviceCountRemaining: $remaining, deviceCountUsed: $used,
             name: $name, status: $st},
    as_of: $as_of
  }
